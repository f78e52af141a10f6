export { defineConfig } from './config/define-config.js';
export type {
  CommandHealthCheck,
  Duration,
  HealthCheck,
  HttpHealthCheck,
  LogHealthCheck,
  ProbeTiming,
  ServiceConfig,
  StatusMatcher,
  TcpHealthCheck,
  UserConfig,
  WatchOptions,
} from './config/define-config.js';
