// A minimal Redis client (one command per connection, RESP over TCP): enough for a counter, and
// it keeps the example free of a client library.
import { connect } from 'node:net';

export function redisCommand(url, ...words) {
  const { hostname, port, password } = new URL(url);
  const commands = [...(password ? [['AUTH', decodeURIComponent(password)]] : []), words.map(String)];
  const payload = commands
    .map((command) => `*${command.length}\r\n${command.map((word) => `$${Buffer.byteLength(word)}\r\n${word}\r\n`).join('')}`)
    .join('');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(payload));
    socket.setTimeout(2000, () => socket.destroy(new Error(`redis ${hostname}:${port}: no answer`)));
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk;
      const replies = text.split('\r\n').filter((line) => line !== '' && !line.startsWith('$'));
      if (replies.length < commands.length) return;
      socket.end();
      const reply = replies.at(-1);
      if (reply.startsWith('-')) reject(new Error(reply.slice(1)));
      else resolve(reply.startsWith(':') ? Number(reply.slice(1)) : reply.slice(1));
    });
    socket.on('error', reject);
  });
}
