/** The keywarden config file: schema, defaults and loading. */
export { ConfigError, DEFAULT_CONFIG, loadConfig, parseConfig, parseValidated, readProblem } from './load.js';
export {
  CONFIG_ENVIRONMENTS,
  configSchema,
  type AgentsConfig,
  type ConfiguredEnvironment,
  type EnvironmentsConfig,
  type KeywardenConfig,
  type ThresholdsConfig,
  type LiveAwsConfig,
  type ScheduleConfig,
  type AthenaConfig,
  type BigQueryConfig,
} from './schema.js';
export { DEFAULT_AGENT_USER_AGENTS, DEFAULT_HUMAN_USER_AGENTS } from './defaults.js';
