/**
 * Readiness through the protocol of a broker or document store, not just an open port:
 *   - AMQP 0-9-1 (RabbitMQ): a whole connection (protocol header, login, vhost), then closed. The
 *     port opens late in RabbitMQ's boot, but a login proves its users are loaded too.
 *   - MongoDB: `hello` over the wire protocol (OP_MSG), answered with `ok: 1`. Written here (a
 *     few dozen lines of BSON) rather than loading the driver: the driver's connect also starts
 *     topology monitoring, which a probe that runs every 25 ms does not want.
 */
import { connect } from 'node:net';
import { PROBE_OK, probeFailed, type ProbeResult } from './probe-result.js';
import { splitTarget } from './database-probes.js';

export interface AmqpLogin {
  readonly target: string;
  readonly user: string;
  readonly password: string;
  readonly vhost: string;
}

function describeSocketError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return 'connection reset';
  return (message ?? String(error)).split('\n')[0]!;
}

export async function probeAmqp(login: AmqpLogin, timeoutMs: number): Promise<ProbeResult> {
  // Loaded on first use: a stack without a broker does not pay for the client.
  const amqp = await import('amqplib');
  const { host, port } = splitTarget(login.target);
  try {
    const connection = await amqp.connect(
      { protocol: 'amqp', hostname: host, port, username: login.user, password: login.password, vhost: login.vhost, heartbeat: 0 },
      { timeout: timeoutMs },
    );
    connection.on('error', () => undefined); // closing below; a late error is not a crash
    await connection.close().catch(() => undefined);
    return PROBE_OK;
  } catch (error) {
    const message = describeSocketError(error);
    if (/ACCESS_REFUSED/.test(message)) {
      return probeFailed(`amqp ${login.target}: login refused for user "${login.user}"`, {
        definite: 'access-refused',
        hint: 'the broker keeps the users of its first start: set the same user/password, or start afresh with "devstack down --volumes"',
      });
    }
    return probeFailed(`amqp ${login.target}: ${message}`);
  }
}

const OP_MSG = 2013;

/** The BSON of `{ hello: 1, $db: 'admin' }`. */
function helloDocument(): Buffer {
  const name = (text: string): Buffer => Buffer.concat([Buffer.from(text), Buffer.from([0])]);
  const hello = Buffer.concat([Buffer.from([0x10]), name('hello'), Buffer.from([1, 0, 0, 0])]);
  const db = Buffer.from('admin\0');
  const dbLength = Buffer.alloc(4);
  dbLength.writeInt32LE(db.length);
  const $db = Buffer.concat([Buffer.from([0x02]), name('$db'), dbLength, db]);
  const body = Buffer.concat([hello, $db, Buffer.from([0])]);
  const size = Buffer.alloc(4);
  size.writeInt32LE(body.length + 4);
  return Buffer.concat([size, body]);
}

/** OP_MSG with one body section. */
export function opMsg(requestId: number, document: Buffer): Buffer {
  const header = Buffer.alloc(21);
  header.writeInt32LE(21 + document.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(0, 8);
  header.writeInt32LE(OP_MSG, 12);
  header.writeUInt32LE(0, 16); // flagBits
  header.writeUInt8(0, 20); // section kind 0: the body
  return Buffer.concat([header, document]);
}

const FIXED_SIZES: Readonly<Record<number, number>> = { 0x01: 8, 0x07: 12, 0x08: 1, 0x09: 8, 0x0a: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16 };

/** The top-level fields of a BSON document that are numbers, booleans or strings (enough to read `ok` and `errmsg`). */
export function readTopLevel(document: Buffer): Map<string, number | boolean | string> {
  const fields = new Map<string, number | boolean | string>();
  let offset = 4;
  const end = document.readInt32LE(0) - 1;
  while (offset < end) {
    const type = document.readUInt8(offset++);
    const nameEnd = document.indexOf(0, offset);
    const name = document.toString('utf8', offset, nameEnd);
    offset = nameEnd + 1;
    if (type === 0x01) fields.set(name, document.readDoubleLE(offset));
    else if (type === 0x10) fields.set(name, document.readInt32LE(offset));
    else if (type === 0x08) fields.set(name, document.readUInt8(offset) === 1);
    else if (type === 0x02) fields.set(name, document.toString('utf8', offset + 4, offset + 4 + document.readInt32LE(offset) - 1));
    const fixed = FIXED_SIZES[type];
    if (fixed !== undefined) offset += fixed;
    else if (type === 0x02 || type === 0x0d || type === 0x0e) offset += 4 + document.readInt32LE(offset);
    else if (type === 0x03 || type === 0x04) offset += document.readInt32LE(offset);
    else if (type === 0x05) offset += 5 + document.readInt32LE(offset);
    else break; // a type this reader does not know: the fields so far are enough
  }
  return fields;
}

export function probeMongo(target: string, timeoutMs: number): Promise<ProbeResult> {
  const { host, port } = splitTarget(target);
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    let received = Buffer.alloc(0);
    const done = (result: ProbeResult): void => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => socket.write(opMsg(1, helloDocument())));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < received.readInt32LE(0)) return;
      if (received.readInt32LE(12) !== OP_MSG || received.length < 26)
        return done(probeFailed(`mongodb ${target}: not a MongoDB wire protocol answer`));
      const fields = readTopLevel(received.subarray(21));
      const okValue = fields.get('ok');
      if (okValue === 1 || okValue === true) return done(PROBE_OK);
      done(probeFailed(`mongodb ${target}: hello answered ${String(fields.get('errmsg') ?? `ok: ${String(okValue)}`)}`));
    });
    socket.once('timeout', () => done(probeFailed(`mongodb ${target}: no answer within ${timeoutMs} ms`)));
    socket.once('error', (error) => done(probeFailed(`mongodb ${target}: ${describeSocketError(error)}`)));
    socket.once('close', () => done(probeFailed(`mongodb ${target}: connection closed`)));
  });
}
