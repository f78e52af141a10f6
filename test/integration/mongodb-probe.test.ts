// MongoDB cannot be installed on devstack's machines (no package, no reachable registry), so its
// readiness probe is tested against a small server that speaks enough of the wire protocol: it
// reads an OP_MSG and answers a BSON document, as mongod does to `hello`. What the probe sends is
// checked too, so a server that really is mongod would understand it.
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { opMsg, probeMongo, readTopLevel } from '../../src/health/broker-probes.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { validateUserConfig } from '../../src/config/schema.js';
import { urlOf } from '../../src/config/templates.js';
import { engineOf } from '../../src/databases/engines/index.js';

/** A BSON document of doubles, int32s, booleans and strings. */
function bson(fields: Record<string, number | boolean | string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    const key = Buffer.from(`${name}\0`);
    if (typeof value === 'boolean') parts.push(Buffer.from([0x08]), key, Buffer.from([value ? 1 : 0]));
    else if (typeof value === 'string') {
      const text = Buffer.from(`${value}\0`);
      const length = Buffer.alloc(4);
      length.writeInt32LE(text.length);
      parts.push(Buffer.from([0x02]), key, length, text);
    } else if (Number.isInteger(value)) {
      const number = Buffer.alloc(4);
      number.writeInt32LE(value);
      parts.push(Buffer.from([0x10]), key, number);
    } else {
      const number = Buffer.alloc(8);
      number.writeDoubleLE(value);
      parts.push(Buffer.from([0x01]), key, number);
    }
  }
  const body = Buffer.concat([...parts, Buffer.from([0])]);
  const size = Buffer.alloc(4);
  size.writeInt32LE(body.length + 4);
  return Buffer.concat([size, body]);
}

let server: Server | undefined;
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

/** Answers each OP_MSG with `reply`, and records the commands it got. */
async function fakeMongod(reply: Record<string, number | boolean | string>): Promise<{ port: number; received: Map<string, unknown>[] }> {
  const received: Map<string, unknown>[] = [];
  server = createServer((socket: Socket) => {
    sockets.add(socket);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 4 || buffered.length < buffered.readInt32LE(0)) return;
      expect(buffered.readInt32LE(12)).toBe(2013); // OP_MSG
      received.push(readTopLevel(buffered.subarray(21)));
      socket.write(opMsg(buffered.readInt32LE(4) + 1, bson(reply)));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server!.address() as { port: number }).port, received };
}

describe('the MongoDB wire-protocol probe', () => {
  it('sends hello to admin and is ready on ok: 1', async () => {
    const { port, received } = await fakeMongod({ ok: 1.0, isWritablePrimary: true, maxWireVersion: 21 });
    expect(await probeMongo(`127.0.0.1:${port}`, 1000)).toEqual({ ok: true, value: undefined });
    expect(received).toEqual([
      new Map<string, unknown>([
        ['hello', 1],
        ['$db', 'admin'],
      ]),
    ]);
  });

  it('is not ready while the server answers an error, and says what it said', async () => {
    const { port } = await fakeMongod({ ok: 0, errmsg: 'node is recovering', code: 11600 });
    expect(await probeMongo(`127.0.0.1:${port}`, 1000)).toEqual({
      ok: false,
      error: { message: `mongodb 127.0.0.1:${port}: hello answered node is recovering` },
    });
  });

  it('is not ready when nothing listens, or something that is not MongoDB answers', async () => {
    const { port } = await fakeMongod({ ok: 1 });
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const refused = await probeMongo(`127.0.0.1:${port}`, 1000);
    expect(refused).toMatchObject({ ok: false, error: { message: `mongodb 127.0.0.1:${port}: connection refused` } });
    server = createServer((socket) => {
      sockets.add(socket);
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const other = (server.address() as { port: number }).port;
    const result = await probeMongo(`127.0.0.1:${other}`, 1000);
    expect(result.ok).toBe(false);
  });
});

describe('the MongoDB engine', () => {
  it('injects mongodb:// URLs (authenticating against admin with a user), and drives the official image', () => {
    const parsed = validateUserConfig({
      databases: {
        docs: { engine: 'mongodb' },
        secure: { engine: 'mongodb', user: 'root', password: 'pw', database: 'shop', port: 27018, init: 'mongo-init' },
      },
      services: { api: { command: 'x', dependsOn: ['docs'] } },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
    const config = resolveConfig({ config: parsed.value, file: '/project/services.config.ts', displayFile: 'services.config.ts' });
    const [docs, secure] = config.services;
    expect(urlOf(docs!, new Map([['mongodb', 27017]]))).toBe('mongodb://127.0.0.1:27017/app');
    expect(urlOf(secure!, new Map([['mongodb', 27018]]))).toBe('mongodb://root:pw@127.0.0.1:27018/shop?authSource=admin');
    expect(docs!.health).toMatchObject({ type: 'mongodb', target: '127.0.0.1:${port}' });
    const contract = engineOf('mongodb').container(secure!.database!, new Map([['mongodb', 27018]]), ['/project/mongo-init/01-seed.js']);
    expect(contract).toEqual({
      args: ['--env', 'MONGO_INITDB_DATABASE=shop', '--env', 'MONGO_INITDB_ROOT_USERNAME=root', '--env', 'MONGO_INITDB_ROOT_PASSWORD'],
      command: [],
      env: { MONGO_INITDB_ROOT_PASSWORD: 'pw' }, // from the environment, never in argv
      dataPath: '/data/db',
      mounts: [{ host: '/project/mongo-init/01-seed.js', container: '/docker-entrypoint-initdb.d/01-seed.js' }],
    });
    expect(secure!.database!.image).toBe('mongo:7');
  });
});
