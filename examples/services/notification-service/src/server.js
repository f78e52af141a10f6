// Notifications: consumes the `order.created` events order-service publishes on RabbitMQ (AMQP_URL)
// and keeps the last ones, which the web page shows. RabbitMQ is optional: without it the service
// says so once and has nothing to show.
import amqp from 'amqplib';
import { startService } from '@example/service-kit';

const events = [];
const amqpUrl = process.env.AMQP_URL;
if (!amqpUrl) console.log('AMQP_URL is not set: no notifications (install rabbitmq-server, or start docker, and run devstack up again)');
else {
  const connection = await amqp.connect(amqpUrl);
  const channel = await connection.createChannel();
  await channel.assertExchange('orders', 'topic', { durable: true });
  const { queue } = await channel.assertQueue('notifications', { durable: true });
  await channel.bindQueue(queue, 'orders', 'order.created');
  await channel.consume(queue, (message) => {
    const event = JSON.parse(message.content.toString());
    events.unshift({ ...event, receivedAt: new Date().toISOString() });
    events.length = Math.min(events.length, 10);
    console.log(`notified: order ${event.id} (${event.quantity} × ${event.sku})`);
    channel.ack(message);
  });
  process.on('SIGTERM', () => void connection.close().catch(() => undefined));
}

startService({
  name: 'notification-service',
  routes: {
    'GET /events': async () => ({ body: { enabled: amqpUrl !== undefined, events } }),
  },
});
