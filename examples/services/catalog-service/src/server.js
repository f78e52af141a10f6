// The product catalogue; depends on nothing.
import { startService } from '@example/service-kit';

const products = [
  { sku: 'kb-01', name: 'Mechanical keyboard', priceCents: 12900 },
  { sku: 'ms-02', name: 'Trackball', priceCents: 5900 },
  { sku: 'mn-03', name: '27" monitor', priceCents: 28900 },
];

startService({
  name: 'catalog-service',
  routes: {
    'GET /products': async () => ({ body: { products } }),
  },
});
