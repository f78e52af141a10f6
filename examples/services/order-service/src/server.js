// Orders: joins the caller's profile (user-service → auth-service) with catalogue prices.
import { fetchJson, requireEnv, startService } from '@example/service-kit';

const userUrl = requireEnv('USER_SERVICE_URL');
const catalogUrl = requireEnv('CATALOG_SERVICE_URL');
const orders = { 1: [{ sku: 'kb-01', quantity: 1 }, { sku: 'ms-02', quantity: 2 }], 2: [{ sku: 'mn-03', quantity: 1 }] };

startService({
  name: 'order-service',
  routes: {
    'GET /orders': async (request) => {
      const authorization = request.headers.authorization ?? '';
      const [me, { products }] = await Promise.all([
        fetchJson(`${userUrl}/me`, { headers: { authorization } }),
        fetchJson(`${catalogUrl}/products`),
      ]);
      const lines = (orders[me.id] ?? []).map((line) => {
        const product = products.find((candidate) => candidate.sku === line.sku);
        return { ...line, name: product.name, totalCents: product.priceCents * line.quantity };
      });
      return { body: { customer: me.name, plan: me.plan, lines, totalCents: lines.reduce((sum, line) => sum + line.totalCents, 0) } };
    },
  },
});
