// The web front end: renders the signed-in customer's orders, fetched through order-service.
import { fetchJson, requireEnv, startService } from '@example/service-kit';

const orderUrl = requireEnv('ORDER_SERVICE_URL');
const notificationUrl = requireEnv('NOTIFICATION_SERVICE_URL');
const escape = (text) => String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

startService({
  name: 'web',
  routes: {
    'GET /api/orders': async () => ({ body: await fetchJson(`${orderUrl}/orders`, { headers: { authorization: 'Bearer demo-token' } }) }),
    'POST /api/orders': async (_request, url) => ({
      status: 201,
      body: await fetchJson(`${orderUrl}/orders${url.search}`, { method: 'POST', headers: { authorization: 'Bearer demo-token' } }),
    }),
    'GET /api/notifications': async () => ({ body: await fetchJson(`${notificationUrl}/events`) }),
    'GET /': async () => {
      const [summary, notifications] = await Promise.all([
        fetchJson(`${orderUrl}/orders`, { headers: { authorization: 'Bearer demo-token' } }),
        fetchJson(`${notificationUrl}/events`),
      ]);
      const notified = notifications.enabled
        ? `<h2>Notifications (over RabbitMQ)</h2><ul>${notifications.events.map((event) => `<li>order ${event.id}: ${event.quantity} × ${escape(event.sku)} for ${escape(event.customer)}</li>`).join('') || '<li>none yet: place an order</li>'}</ul>`
        : '<p>Notifications off (no RabbitMQ)</p>';
      const rows = summary.lines.map(
        (line) => `<tr><td>${escape(line.name)}</td><td>${line.quantity}</td><td>${(line.totalCents / 100).toFixed(2)}</td></tr>`,
      );
      const html = `<!doctype html><title>Orders</title><h1>Orders of ${escape(summary.customer)} (${escape(summary.plan)})</h1>
<table><tr><th>Item</th><th>Qty</th><th>Total</th></tr>${rows.join('')}</table><p>Total: ${(summary.totalCents / 100).toFixed(2)}</p>
<p>${summary.views === null ? 'View counter off (no Redis)' : `Viewed ${summary.views} times (counted in Redis)`}</p>${notified}`;
      return { body: html, type: 'text/html; charset=utf-8' };
    },
  },
});
