/**
 * Built-in userAgent patterns. keywarden audits machine credentials, so the
 * defaults recognise what drives them: AI agent tools, agent frameworks,
 * infrastructure-as-code and the AWS SDKs (a script calling boto3 is
 * automation). The AWS CLI, the console and browsers are what people use by
 * hand, so by themselves they never make an identity an agent.
 *
 * Plain entries match as a whole token anywhere in the userAgent,
 * case-insensitively (`cline` does not match `declined`); entries with `*`
 * or `?` are globs over the whole string. Keep examples/keywarden.example.yaml
 * in step when changing these.
 */

/** Patterns whose presence in a userAgent marks the caller as an agent or automation. */
export const DEFAULT_AGENT_USER_AGENTS: readonly string[] = Object.freeze([
  // AI coding agents and assistants (their own clients, or an app id they set).
  'claude-code',
  'claude-cli',
  'anthropic',
  'openai',
  'codex',
  'cursor',
  'copilot', // also github-copilot, copilot-agent
  'aider',
  'devin',
  'cline',
  'roo-code',
  'windsurf',
  'gemini-cli',
  // Agent frameworks and MCP servers (e.g. awslabs aws-api-mcp-server).
  'langchain',
  'langgraph',
  'llama-index',
  'llama_index',
  'crewai',
  'autogen',
  'mcp',
  // Infrastructure as code and configuration management.
  'terraform',
  'pulumi',
  'aws-cdk',
  'ansible',
  // AWS SDKs: code, not a person at a prompt. aws-sdk-go also covers aws-sdk-go-v2.
  'boto3',
  'botocore',
  'aws-sdk-js',
  'aws-sdk-go',
  'aws-sdk-java',
  'aws-sdk-dotnet',
  'aws-sdk-ruby',
  'aws-sdk-php',
  'aws-sdk-rust',
  'aws-sdk-cpp',
  // Google Cloud client libraries (Cloud Audit Logs callerSuppliedUserAgent).
  'gccl',
  'google-api-go-client',
  'google-api-python-client',
  'google-api-nodejs-client',
]);

/**
 * Tools people drive by hand. These match the userAgent's leading product
 * (the text before its first `/` or `,`), exactly or as a glob. A userAgent
 * led by one of them is not evidence of an agent even though it embeds an
 * SDK (aws-cli v1 carries `botocore/…`, the S3 console `aws-sdk-java/…`);
 * only an app id or execution environment the caller set explicitly
 * (`app/claude-code`, `exec-env/…`) is still examined.
 */
export const DEFAULT_HUMAN_USER_AGENTS: readonly string[] = Object.freeze([
  'aws-cli',
  'aws-internal',
  'AWS Internal',
  '*console*',
  'signin.amazonaws.com',
  'Mozilla',
  'AWSPowerShell*',
  // gcloud: `google-cloud-sdk gcloud/460.0.0 command/gcloud.projects.list …`
  'google-cloud-sdk*',
]);
