/**
 * devstack's own structured log, logs/devstack.log (JSON lines via winston). Only the supervisor
 * writes it; it records lifecycle events, never service output.
 */
import winston from 'winston';

export interface SupervisorLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  close(): Promise<void>;
}

export function createSupervisorLog(path: string): SupervisorLog {
  const transport = new winston.transports.File({ filename: path });
  const logger = winston.createLogger({
    level: 'info',
    format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
    defaultMeta: { pid: process.pid },
    transports: [transport],
  });
  return {
    info: (message, fields) => void logger.info(message, fields),
    warn: (message, fields) => void logger.warn(message, fields),
    error: (message, fields) => void logger.error(message, fields),
    close: () =>
      new Promise((resolve) => {
        logger.on('finish', () => resolve());
        logger.end();
      }),
  };
}
