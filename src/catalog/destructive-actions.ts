/**
 * Destroying a data store together with its backups (DESIGN: risk-defining
 * catalog entries are data, each tested from a minimal policy granting
 * exactly it: test/catalog/destructive-actions.test.ts).
 *
 * Each entry pairs the actions that destroy a kind of data store with the
 * actions that destroy, expire or stop its backups (snapshots, versions,
 * point-in-time recovery, replication, AWS Backup recovery points). Holding
 * one side on production is bad; holding both is the ransomware and
 * rogue-agent scenario where nothing can be restored.
 */

export interface DestructiveEntry {
  /** Stable id; findings name it (`Destroy::<id>`). */
  id: string;
  /** The kind of data store, for people. */
  store: string;
  /** Any one of these destroys the store or its data. */
  destroy: readonly string[];
  /** Any one of these destroys or disables the store's backups. */
  backups: readonly string[];
  references: readonly string[];
}

/** AWS Backup protects every store below: deleting its recovery points or vaults is a backup-side action for each. */
const AWS_BACKUP: readonly string[] = ['backup:DeleteRecoveryPoint', 'backup:DeleteBackupVault', 'backup:UpdateRecoveryPointLifecycle'];
const BACKUP_DOC = 'https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html';

export const DESTRUCTIVE_ENTRIES: readonly DestructiveEntry[] = [
  {
    id: 'rds-instance',
    store: 'RDS DB instances',
    destroy: ['rds:DeleteDBInstance'],
    backups: ['rds:DeleteDBSnapshot', 'rds:DeleteDBInstanceAutomatedBackup', ...AWS_BACKUP],
    references: ['https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html', BACKUP_DOC],
  },
  {
    id: 'rds-cluster',
    store: 'Aurora / RDS DB clusters',
    destroy: ['rds:DeleteDBCluster'],
    backups: ['rds:DeleteDBClusterSnapshot', 'rds:DeleteDBClusterAutomatedBackup', ...AWS_BACKUP],
    references: ['https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_DeleteCluster.html', BACKUP_DOC],
  },
  {
    id: 'dynamodb-table',
    store: 'DynamoDB tables',
    destroy: ['dynamodb:DeleteTable'],
    backups: ['dynamodb:DeleteBackup', 'dynamodb:UpdateContinuousBackups', ...AWS_BACKUP],
    references: ['https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/BackupRestore.html', BACKUP_DOC],
  },
  {
    id: 's3-bucket',
    store: 'S3 buckets and objects',
    destroy: ['s3:DeleteBucket', 's3:DeleteObject'],
    // Deleting versions, suspending versioning, expiring by lifecycle or cutting replication removes what would restore them.
    backups: ['s3:DeleteObjectVersion', 's3:PutBucketVersioning', 's3:PutLifecycleConfiguration', 's3:PutReplicationConfiguration', ...AWS_BACKUP],
    references: ['https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html', 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html'],
  },
  {
    id: 'ebs-volume',
    store: 'EBS volumes',
    destroy: ['ec2:DeleteVolume'],
    backups: ['ec2:DeleteSnapshot', ...AWS_BACKUP],
    references: ['https://docs.aws.amazon.com/ebs/latest/userguide/ebs-deleting-snapshot.html', BACKUP_DOC],
  },
  {
    id: 'efs-file-system',
    store: 'EFS file systems',
    destroy: ['elasticfilesystem:DeleteFileSystem'],
    backups: ['elasticfilesystem:PutBackupPolicy', ...AWS_BACKUP],
    references: ['https://docs.aws.amazon.com/efs/latest/ug/awsbackup.html', BACKUP_DOC],
  },
  {
    id: 'redshift-cluster',
    store: 'Redshift clusters',
    destroy: ['redshift:DeleteCluster'],
    backups: ['redshift:DeleteClusterSnapshot', ...AWS_BACKUP],
    references: ['https://docs.aws.amazon.com/redshift/latest/mgmt/working-with-snapshots.html', BACKUP_DOC],
  },
];
