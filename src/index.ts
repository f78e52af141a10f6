export { defineConfig } from './config/define-config.js';
export type {
  CommandHealthCheck,
  ContainerConfig,
  DatabaseConfig,
  Duration,
  HealthCheck,
  HttpHealthCheck,
  LogHealthCheck,
  PortSetting,
  ProbeTiming,
  ServiceConfig,
  StatusMatcher,
  StopSignal,
  TcpHealthCheck,
  UserConfig,
  WatchOptions,
} from './config/define-config.js';
