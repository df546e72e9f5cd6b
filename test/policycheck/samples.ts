/**
 * Realistic policy-as-code inputs, shaped as the tools write them:
 * `terraform show -json plan.out` (format 1.2, AWS provider 5.x) and
 * CloudFormation templates in YAML (short-form intrinsics) and JSON.
 */
const json = (v: unknown) => JSON.stringify(v);

const githubTrust = json({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Federated: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com' },
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: { StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:acme/infra:*' } },
    },
  ],
});

const role = (address: string, name: string, tags: Record<string, string>) => ({
  address,
  mode: 'managed',
  type: 'aws_iam_role',
  name: address.split('.').pop(),
  provider_name: 'registry.terraform.io/hashicorp/aws',
  change: {
    actions: ['create'],
    before: null,
    after: {
      assume_role_policy: githubTrust,
      description: null,
      force_detach_policies: false,
      max_session_duration: 3600,
      name,
      path: '/agents/',
      permissions_boundary: null,
      tags,
      tags_all: tags,
    },
    after_unknown: { arn: true, create_date: true, id: true, inline_policy: true, managed_policy_arns: true, name_prefix: true, tags: {}, tags_all: {}, unique_id: true },
    before_sensitive: false,
    after_sensitive: { inline_policy: [], managed_policy_arns: [], tags: {}, tags_all: {} },
  },
});

export function terraformPlan(options: { unknownPolicy?: boolean } = {}) {
  return {
    format_version: '1.2',
    terraform_version: '1.9.5',
    planned_values: { root_module: {} },
    resource_changes: [
      role('aws_iam_role.deploy_agent', 'deploy-agent', { agent: 'claude-code', team: 'platform' }),
      role('module.reporting.aws_iam_role.reader', 'report-reader', { team: 'data' }),
      {
        address: 'aws_iam_role_policy_attachment.deploy_agent_admin',
        mode: 'managed',
        type: 'aws_iam_role_policy_attachment',
        name: 'deploy_agent_admin',
        change: {
          actions: ['create'],
          before: null,
          after: { policy_arn: 'arn:aws:iam::aws:policy/AdministratorAccess', role: 'deploy-agent' },
          after_unknown: { id: true },
        },
      },
      {
        address: 'aws_iam_policy.ci_iam',
        mode: 'managed',
        type: 'aws_iam_policy',
        name: 'ci_iam',
        change: {
          actions: ['create'],
          before: null,
          after: {
            name: 'ci-iam-management',
            path: '/',
            description: 'lets the pipeline manage its own roles',
            policy: options.unknownPolicy
              ? undefined
              : json({
                  Version: '2012-10-17',
                  Statement: [{ Sid: 'ManageRoles', Effect: 'Allow', Action: ['iam:PassRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy'], Resource: '*' }],
                }),
            tags: null,
          },
          after_unknown: { arn: true, id: true, policy_id: true, tags_all: true, ...(options.unknownPolicy && { policy: true }) },
        },
      },
      {
        address: 'module.reporting.aws_iam_role_policy.read_reports',
        mode: 'managed',
        type: 'aws_iam_role_policy',
        name: 'read_reports',
        change: {
          actions: ['create'],
          before: null,
          after: {
            name: 'read-reports',
            role: 'report-reader',
            policy: json({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::acme-staging-reports', 'arn:aws:s3:::acme-staging-reports/*'] }] }),
          },
          after_unknown: { id: true },
        },
      },
      {
        address: 'aws_iam_role_policy_attachment.reader_ci_iam',
        mode: 'managed',
        type: 'aws_iam_role_policy_attachment',
        name: 'reader_ci_iam',
        change: { actions: ['create'], before: null, after: { role: 'report-reader' }, after_unknown: { id: true, policy_arn: true } },
      },
      {
        address: 'aws_iam_user.old_bot',
        mode: 'managed',
        type: 'aws_iam_user',
        name: 'old_bot',
        change: { actions: ['delete'], before: { name: 'old-bot' }, after: null, after_unknown: {} },
      },
    ],
    configuration: {
      provider_config: { aws: { name: 'aws', full_name: 'registry.terraform.io/hashicorp/aws' } },
      root_module: {
        resources: [
          { address: 'aws_iam_role.deploy_agent', mode: 'managed', type: 'aws_iam_role', name: 'deploy_agent', expressions: { name: { constant_value: 'deploy-agent' }, assume_role_policy: { references: ['data.aws_iam_policy_document.github.json', 'data.aws_iam_policy_document.github'] } } },
          {
            address: 'aws_iam_role_policy_attachment.reader_ci_iam',
            mode: 'managed',
            type: 'aws_iam_role_policy_attachment',
            name: 'reader_ci_iam',
            expressions: { policy_arn: { references: ['aws_iam_policy.ci_iam.arn', 'aws_iam_policy.ci_iam'] }, role: { references: ['module.reporting.aws_iam_role.reader.name', 'module.reporting.aws_iam_role.reader'] } },
          },
          { address: 'aws_iam_policy.ci_iam', mode: 'managed', type: 'aws_iam_policy', name: 'ci_iam', expressions: { name: { constant_value: 'ci-iam-management' }, policy: { references: ['data.aws_iam_policy_document.ci.json'] } } },
        ],
        module_calls: {
          reporting: {
            source: './modules/reporting',
            module: { resources: [{ address: 'aws_iam_role.reader', mode: 'managed', type: 'aws_iam_role', name: 'reader', expressions: { name: { constant_value: 'report-reader' } } }] },
          },
        },
      },
    },
  };
}

export const CLOUDFORMATION_YAML = `AWSTemplateFormatVersion: '2010-09-09'
Description: Bedrock agent and its tools
Parameters:
  ProdBucketName:
    Type: String
Resources:
  AgentRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub '\${AWS::StackName}-bedrock-agent'
      Path: /agents/
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: { Service: bedrock.amazonaws.com }
            Action: sts:AssumeRole
            Condition:
              StringEquals:
                aws:SourceAccount: !Ref AWS::AccountId
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/PowerUserAccess
        - !Ref KeyAdminPolicy
      Policies:
        - PolicyName: cleanup
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: [s3:DeleteObject, s3:PutObject]
                Resource: !Sub 'arn:aws:s3:::\${ProdBucketName}/*'
      Tags:
        - { Key: agent, Value: bedrock }
  KeyAdminPolicy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: kms:*
            Resource: '*'
  ToolsPolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: tools
      Roles: [!Ref AgentRole]
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: lambda:InvokeFunction
            Resource: !GetAtt ToolFunction.Arn
          - Effect: Allow
            Action: secretsmanager:GetSecretValue
            Resource: !Join ['', ['arn:aws:secretsmanager:', !Ref AWS::Region, ':', !Ref AWS::AccountId, ':secret:agent/*']]
  ToolFunction:
    Type: AWS::Lambda::Function
    Properties:
      Handler: index.handler
      Runtime: nodejs20.x
      Role: !GetAtt AgentRole.Arn
      Code: { ZipFile: "exports.handler = async () => ({})" }
`;

export const CLOUDFORMATION_JSON = json({
  AWSTemplateFormatVersion: '2010-09-09',
  Resources: {
    ReportUser: {
      Type: 'AWS::IAM::User',
      Properties: {
        UserName: 'report-exporter',
        Policies: [
          {
            PolicyName: 'export',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: { 'Fn::Join': ['', ['arn:aws:s3:::acme-staging-exports/', '*']] } }],
            },
          },
        ],
      },
    },
  },
});

export const IAM_POLICY_FILE = json({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'AllEc2', Effect: 'Allow', Action: 'ec2:*', Resource: '*' },
    { Sid: 'Users', Effect: 'Allow', Action: ['iam:CreateUser', 'iam:AttachUserPolicy'], Resource: '*' },
  ],
});
