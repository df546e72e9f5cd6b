/**
 * Known AWS privilege-escalation methods (DESIGN: risk-defining catalog
 * entries are data, each tested from a minimal policy granting exactly it,
 * and a scoped near-miss that must not be found: see
 * test/catalog/escalation-methods.test.ts).
 *
 * A method is present when the principal holds every action in `actions`
 * on some resource of its own account (IAM, Lambda, Glue, … act on the
 * caller's account; a statement naming only another account's resources
 * grants none of these), and:
 *   - `passRole`: it may also pass (iam:PassRole) some role of its account
 *     to `passRole` (an `iam:PassedToService` condition naming other
 *     services rules that out); the roles it reaches are those whose trust
 *     policy admits that service principal.
 *   - `existingRole`: it takes over the role an existing resource of that
 *     service already runs with: reaches roles trusting that service.
 *   - `target`: which principals the first action names, for the graph
 *     (`user`, `role`, `group` members, `policy` holders). With
 *     `othersOnly`, a grant limited to the principal itself is not
 *     escalation (a user creating its own access key gains nothing).
 *
 * Sources: Rhino Security Labs' 21 methods, Cloudsplaining's privilege
 * escalation list, and the SSM / SageMaker / EC2 Instance Connect methods
 * from the same research.
 */

export type EscalationTarget = 'user' | 'role' | 'group' | 'policy' | 'self';

export interface EscalationMethod {
  /** Stable id; findings name it (`Escalation::<id>`). */
  id: string;
  title: string;
  /** Every one is needed, as the catalog spells them. */
  actions: readonly string[];
  /** The service principal a passed role must trust (e.g. `lambda.amazonaws.com`). */
  passRole?: string;
  /** The service principal of the existing resources whose role is taken over. */
  existingRole?: string;
  /** Whom the first action acts on (graph edges go there). */
  target: EscalationTarget;
  /** A grant limited to the principal itself is harmless. */
  othersOnly?: boolean;
  /** How the method turns into more privilege, in one line. */
  how: string;
  references: readonly string[];
}

const RHINO = 'https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/';
const CLOUDSPLAINING = 'https://github.com/salesforce/cloudsplaining/blob/master/docs/glossary/privilege-escalation.md';
const SAGEMAKER = 'https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation-part-2/';
const SSM = 'https://docs.aws.amazon.com/systems-manager/latest/userguide/security_iam_id-based-policy-examples.html';

export const ESCALATION_METHODS: readonly EscalationMethod[] = [
  { id: 'iam:CreatePolicyVersion', title: 'Create a new version of a managed policy', actions: ['iam:CreatePolicyVersion'], target: 'policy', how: 'writes a new default version of a policy it (or another principal) holds, granting anything', references: [RHINO, CLOUDSPLAINING] },
  { id: 'iam:SetDefaultPolicyVersion', title: 'Switch a managed policy to another version', actions: ['iam:SetDefaultPolicyVersion'], target: 'policy', how: 'makes an older, broader version of a held policy the default', references: [RHINO, CLOUDSPLAINING] },
  { id: 'iam:CreateAccessKey', title: 'Create an access key for another user', actions: ['iam:CreateAccessKey'], target: 'user', othersOnly: true, how: 'mints a key for another user and acts as that user', references: [RHINO, CLOUDSPLAINING] },
  { id: 'iam:CreateLoginProfile', title: 'Set a console password for another user', actions: ['iam:CreateLoginProfile'], target: 'user', othersOnly: true, how: 'gives another user a console password it chooses and signs in as that user', references: [RHINO, CLOUDSPLAINING] },
  { id: 'iam:UpdateLoginProfile', title: "Change another user's console password", actions: ['iam:UpdateLoginProfile'], target: 'user', othersOnly: true, how: "resets another user's console password and signs in as that user", references: [RHINO, CLOUDSPLAINING] },
  { id: 'iam:AttachUserPolicy', title: 'Attach a managed policy to a user', actions: ['iam:AttachUserPolicy'], target: 'user', how: 'attaches AdministratorAccess (or any policy) to itself or another user', references: [RHINO, CLOUDSPLAINING] },
  { id: 'iam:AttachGroupPolicy', title: 'Attach a managed policy to a group', actions: ['iam:AttachGroupPolicy'], target: 'group', how: 'attaches any policy to a group it (or another user) is in', references: [RHINO, CLOUDSPLAINING] },
  { id: 'iam:AttachRolePolicy', title: 'Attach a managed policy to a role', actions: ['iam:AttachRolePolicy'], target: 'role', how: 'attaches any policy to itself (a role) or to a role it can assume', references: [RHINO, CLOUDSPLAINING] },
  { id: 'iam:PutUserPolicy', title: 'Write an inline policy on a user', actions: ['iam:PutUserPolicy'], target: 'user', how: 'writes an inline policy granting anything on itself or another user', references: [RHINO, CLOUDSPLAINING] },
  { id: 'iam:PutGroupPolicy', title: 'Write an inline policy on a group', actions: ['iam:PutGroupPolicy'], target: 'group', how: 'writes an inline policy granting anything on a group it is in', references: [RHINO, CLOUDSPLAINING] },
  { id: 'iam:PutRolePolicy', title: 'Write an inline policy on a role', actions: ['iam:PutRolePolicy'], target: 'role', how: 'writes an inline policy granting anything on itself (a role) or a role it can assume', references: [RHINO, CLOUDSPLAINING] },
  { id: 'iam:AddUserToGroup', title: 'Add a user to a group', actions: ['iam:AddUserToGroup'], target: 'group', how: 'adds itself to a more privileged group', references: [RHINO, CLOUDSPLAINING] },
  { id: 'iam:UpdateAssumeRolePolicy', title: "Rewrite a role's trust policy", actions: ['iam:UpdateAssumeRolePolicy'], target: 'role', how: 'rewrites a role trust policy to name itself, then assumes the role', references: [RHINO, CLOUDSPLAINING] },
  { id: 'passrole:ec2', title: 'Pass a role to a new EC2 instance', actions: ['ec2:RunInstances'], passRole: 'ec2.amazonaws.com', target: 'role', how: 'launches an instance with a privileged instance profile and uses its credentials', references: [RHINO, CLOUDSPLAINING] },
  { id: 'passrole:lambda-invoke', title: 'Pass a role to a new Lambda function and invoke it', actions: ['lambda:CreateFunction', 'lambda:InvokeFunction'], passRole: 'lambda.amazonaws.com', target: 'role', how: 'creates a function running as a privileged role and invokes it', references: [RHINO, CLOUDSPLAINING] },
  { id: 'passrole:lambda-event-source', title: 'Pass a role to a new Lambda function triggered by an event source', actions: ['lambda:CreateFunction', 'lambda:CreateEventSourceMapping'], passRole: 'lambda.amazonaws.com', target: 'role', how: 'creates a function running as a privileged role and triggers it from a stream or queue', references: [RHINO, CLOUDSPLAINING] },
  { id: 'lambda:UpdateFunctionCode', title: 'Replace the code of an existing Lambda function', actions: ['lambda:UpdateFunctionCode'], existingRole: 'lambda.amazonaws.com', target: 'role', how: "replaces a function's code and runs as the function's role", references: [RHINO, CLOUDSPLAINING] },
  { id: 'passrole:glue-dev-endpoint', title: 'Pass a role to a new Glue development endpoint', actions: ['glue:CreateDevEndpoint'], passRole: 'glue.amazonaws.com', target: 'role', how: 'creates a Glue dev endpoint with a privileged role and logs in to it', references: [RHINO, CLOUDSPLAINING] },
  { id: 'glue:UpdateDevEndpoint', title: 'Add an SSH key to an existing Glue development endpoint', actions: ['glue:UpdateDevEndpoint'], existingRole: 'glue.amazonaws.com', target: 'role', how: "adds its SSH key to a dev endpoint and uses the endpoint's role", references: [RHINO, CLOUDSPLAINING] },
  { id: 'passrole:cloudformation', title: 'Pass a role to a new CloudFormation stack', actions: ['cloudformation:CreateStack'], passRole: 'cloudformation.amazonaws.com', target: 'role', how: 'creates a stack whose service role creates whatever the template says', references: [RHINO, CLOUDSPLAINING] },
  { id: 'cloudformation:UpdateStack', title: 'Update an existing CloudFormation stack', actions: ['cloudformation:UpdateStack'], existingRole: 'cloudformation.amazonaws.com', target: 'role', how: "changes a stack's template and lets the stack's service role apply it", references: [CLOUDSPLAINING] },
  { id: 'passrole:datapipeline', title: 'Pass a role to a new Data Pipeline', actions: ['datapipeline:CreatePipeline', 'datapipeline:PutPipelineDefinition'], passRole: 'datapipeline.amazonaws.com', target: 'role', how: 'creates a pipeline that runs commands as a privileged role', references: [RHINO, CLOUDSPLAINING] },
  { id: 'passrole:codebuild', title: 'Pass a role to a new CodeBuild project and start it', actions: ['codebuild:CreateProject', 'codebuild:StartBuild'], passRole: 'codebuild.amazonaws.com', target: 'role', how: 'creates a build project whose buildspec runs as a privileged role', references: [CLOUDSPLAINING] },
  { id: 'passrole:sagemaker-notebook', title: 'Pass a role to a new SageMaker notebook and open it', actions: ['sagemaker:CreateNotebookInstance', 'sagemaker:CreatePresignedNotebookInstanceUrl'], passRole: 'sagemaker.amazonaws.com', target: 'role', how: 'creates a notebook running as a privileged role and opens a shell in it', references: [SAGEMAKER, CLOUDSPLAINING] },
  { id: 'passrole:sagemaker-training-job', title: 'Pass a role to a new SageMaker training job', actions: ['sagemaker:CreateTrainingJob'], passRole: 'sagemaker.amazonaws.com', target: 'role', how: 'runs a training container of its choosing as a privileged role', references: [SAGEMAKER, CLOUDSPLAINING] },
  { id: 'passrole:sagemaker-processing-job', title: 'Pass a role to a new SageMaker processing job', actions: ['sagemaker:CreateProcessingJob'], passRole: 'sagemaker.amazonaws.com', target: 'role', how: 'runs a processing container of its choosing as a privileged role', references: [SAGEMAKER, CLOUDSPLAINING] },
  { id: 'sagemaker:CreatePresignedNotebookInstanceUrl', title: 'Open an existing SageMaker notebook', actions: ['sagemaker:CreatePresignedNotebookInstanceUrl'], existingRole: 'sagemaker.amazonaws.com', target: 'role', how: "opens a shell in an existing notebook and uses the notebook's role", references: [SAGEMAKER, CLOUDSPLAINING] },
  { id: 'passrole:ecs-task', title: 'Pass a role to a new ECS task', actions: ['ecs:RegisterTaskDefinition', 'ecs:RunTask'], passRole: 'ecs-tasks.amazonaws.com', target: 'role', how: 'registers and runs a task whose container runs as a privileged task role', references: [CLOUDSPLAINING] },
  { id: 'ssm:SendCommand', title: 'Run commands on existing EC2 instances', actions: ['ssm:SendCommand'], existingRole: 'ec2.amazonaws.com', target: 'role', how: "runs shell commands on instances and uses their instance profile's role", references: [SSM, CLOUDSPLAINING] },
  { id: 'ssm:StartSession', title: 'Open a shell on existing EC2 instances', actions: ['ssm:StartSession'], existingRole: 'ec2.amazonaws.com', target: 'role', how: "opens an interactive shell on instances and uses their instance profile's role", references: [SSM, CLOUDSPLAINING] },
  { id: 'ec2-instance-connect:SendSSHPublicKey', title: 'Push an SSH key to existing EC2 instances', actions: ['ec2-instance-connect:SendSSHPublicKey'], existingRole: 'ec2.amazonaws.com', target: 'role', how: "pushes its SSH key to an instance, logs in and uses the instance profile's role", references: ['https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-connect-methods.html', CLOUDSPLAINING] },
];

export const PASS_ROLE = 'iam:PassRole';
