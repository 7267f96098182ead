export { configSchema, LOG_LEVELS, LOG_FORMATS, CHILD_SIGNALS, type Config, type LogLevel, type LogFormatSetting } from './schema.js';
export {
  CUSTOM_CHECK_TYPES,
  CHECK_ACTIONS,
  RESERVED_CHECK_NAMES,
  checkPlace,
  type CustomCheck,
  type CustomCheckType,
  type HttpCheck,
  type ExecCheck,
  type SocketIoCheck,
  type TcpCheck,
  type ModuleCheck,
} from './custom-checks-schema.js';
export type { Applies, LeafKind, LeafMeta } from './leaf.js';
export { ALL_HOOK_EVENTS, HOOK_DEFAULTS, HOOK_EVENTS, isWebhookUrl, MAX_HOOKS, type HookEntry, type HookEventName } from './hooks-schema.js';
export { CONFIG_KEYS, GROUP_PATHS, keyByPath, keyByEnv, envNameOf, defaultTree, defaultConfig, valueAt, type ConfigKey } from './keys.js';
export { parseDuration, formatDuration, formatExactDuration } from './duration.js';
export { describeSource, describeSetting, loadFailed, showName, showValue, type ValueSource, type Finding, type FindingCode } from './findings.js';
export { readConfigFile, parseConfigText } from './file-layer.js';
export { MAX_CONFIG_BYTES, readConfigText } from './read-file.js';
export { MAX_DEPTH } from './json-depth.js';
export { MAX_FINDINGS_PER_KIND } from './cap.js';
export { readEnvironment, fromText, CONFIG_FILE_VARIABLE, ENV_PREFIX } from './env-layer.js';
export { loadConfig, type LoadRequest, type LoadOutcome, type LoadedConfig, type FlagValue } from './load.js';
export { REDACTED, isSecretName, originOnly, redactArgs, redactUrl, redactValue, redactConfig } from './redact.js';
export { diffConfigs, type KeyChange } from './diff.js';
export { LiveConfig, type ConfigChange, type ConfigListener, type ConfigUpdates, type ReloadOutcome } from './live-config.js';
export { configJsonSchema, defaultConfigDocument, keysMarkdown } from './documents.js';
