// Orders: stored in Postgres (DATABASE_URL), joined with the caller's profile (user-service →
// auth-service) and catalogue prices. Redis (REDIS_URL) counts how often each customer looked;
// a new order is announced as an `order.created` event on RabbitMQ (AMQP_URL). Both are optional:
// without one, the service says so once and works without it.
import amqp from 'amqplib';
import pg from 'pg';
import { fetchJson, requireEnv, startService } from '@example/service-kit';
import { redisCommand } from '@example/service-kit/redis';

const userUrl = requireEnv('USER_SERVICE_URL');
const catalogUrl = requireEnv('CATALOG_SERVICE_URL');
const db = new pg.Pool({ connectionString: requireEnv('DATABASE_URL'), max: 4 });
const redisUrl = process.env.REDIS_URL;
if (!redisUrl) console.log('REDIS_URL is not set: view counts are off (install redis-server, or start docker, and run devstack up again)');

const amqpUrl = process.env.AMQP_URL;
if (!amqpUrl)
  console.log('AMQP_URL is not set: new orders are not announced (install rabbitmq-server, or start docker, and run devstack up again)');
const publishing = amqpUrl
  ? amqp.connect(amqpUrl).then(async (connection) => {
      const channel = await connection.createConfirmChannel();
      await channel.assertExchange('orders', 'topic', { durable: true });
      process.on('SIGTERM', () => void connection.close().catch(() => undefined));
      return channel;
    })
  : undefined;

async function announce(event) {
  const channel = await publishing;
  if (channel === undefined) return;
  channel.publish('orders', 'order.created', Buffer.from(JSON.stringify(event)), { persistent: true });
  await channel.waitForConfirms();
}

async function countView(customerId) {
  if (!redisUrl) return null;
  return redisCommand(redisUrl, 'INCR', `order-views:${customerId}`);
}

async function profile(request) {
  return fetchJson(`${userUrl}/me`, { headers: { authorization: request.headers.authorization ?? '' } });
}

const server = startService({
  name: 'order-service',
  routes: {
    'GET /orders': async (request) => {
      const me = await profile(request);
      const [{ products }, { rows }, views] = await Promise.all([
        fetchJson(`${catalogUrl}/products`),
        db.query('SELECT sku, sum(quantity)::int AS quantity FROM order_lines WHERE customer_id = $1 GROUP BY sku ORDER BY sku', [me.id]),
        countView(me.id),
      ]);
      const lines = rows.map((line) => {
        const product = products.find((candidate) => candidate.sku === line.sku);
        return { ...line, name: product.name, totalCents: product.priceCents * line.quantity };
      });
      return {
        body: { customer: me.name, plan: me.plan, lines, totalCents: lines.reduce((sum, line) => sum + line.totalCents, 0), views },
      };
    },
    'POST /orders': async (request, url) => {
      const me = await profile(request);
      const sku = url.searchParams.get('sku');
      const quantity = Number(url.searchParams.get('quantity') ?? 1);
      if (!sku || !Number.isInteger(quantity) || quantity < 1)
        return { status: 400, body: { error: 'expected ?sku=…&quantity=<positive integer>' } };
      const { rows } = await db.query('INSERT INTO order_lines (customer_id, sku, quantity) VALUES ($1, $2, $3) RETURNING id', [
        me.id,
        sku,
        quantity,
      ]);
      await announce({ id: rows[0].id, customer: me.name, sku, quantity });
      return { status: 201, body: { id: rows[0].id } };
    },
  },
});
server.on('close', () => void db.end());
