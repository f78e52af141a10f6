/** Every engine devstack can run, by name. A new engine is one file here and one line below. */
import type { Engine, EngineName } from '../engine.js';
import { mongodb } from './mongodb.js';
import { mariadb, mysql } from './mysql.js';
import { postgres } from './postgres.js';
import { rabbitmq } from './rabbitmq.js';
import { redis } from './redis.js';

export const ENGINES: Readonly<Record<EngineName, Engine>> = { postgres, redis, mysql, mariadb, rabbitmq, mongodb };

export const ENGINE_NAMES = Object.keys(ENGINES) as EngineName[];

export function engineOf(name: EngineName): Engine {
  return ENGINES[name];
}
