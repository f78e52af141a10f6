// The web front end: renders the signed-in customer's orders, fetched through order-service.
import { fetchJson, requireEnv, startService } from '@example/service-kit';

const orderUrl = requireEnv('ORDER_SERVICE_URL');
const escape = (text) => String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

startService({
  name: 'web',
  routes: {
    'GET /api/orders': async () => ({ body: await fetchJson(`${orderUrl}/orders`, { headers: { authorization: 'Bearer demo-token' } }) }),
    'POST /api/orders': async (_request, url) => ({
      status: 201,
      body: await fetchJson(`${orderUrl}/orders${url.search}`, { method: 'POST', headers: { authorization: 'Bearer demo-token' } }),
    }),
    'GET /': async () => {
      const summary = await fetchJson(`${orderUrl}/orders`, { headers: { authorization: 'Bearer demo-token' } });
      const rows = summary.lines.map(
        (line) => `<tr><td>${escape(line.name)}</td><td>${line.quantity}</td><td>${(line.totalCents / 100).toFixed(2)}</td></tr>`,
      );
      const html = `<!doctype html><title>Orders</title><h1>Orders of ${escape(summary.customer)} (${escape(summary.plan)})</h1>
<table><tr><th>Item</th><th>Qty</th><th>Total</th></tr>${rows.join('')}</table><p>Total: ${(summary.totalCents / 100).toFixed(2)}</p>
<p>${summary.views === null ? 'View counter off (no Redis)' : `Viewed ${summary.views} times (counted in Redis)`}</p>`;
      return { body: html, type: 'text/html; charset=utf-8' };
    },
  },
});
