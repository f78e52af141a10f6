// The example stack's end-to-end check, as a project's own `npm run e2e` would be: it finds every
// service through the URLs `devstack run` puts in its environment (WEB_URL, ORDER_SERVICE_URL…)
// and exits non-zero with one line saying what failed.
//   npx devstack run -- npm run e2e
const web = process.env.WEB_URL;
if (!web) {
  console.error('e2e: WEB_URL is not set; run me through devstack: npx devstack run -- npm run e2e');
  process.exit(2);
}

function check(condition, what) {
  if (!condition) {
    console.error(`e2e: FAILED: ${what}`);
    process.exit(1);
  }
  console.log(`e2e: ok: ${what}`);
}

const page = await fetch(`${web}/`);
const html = await page.text();
check(page.status === 200, `GET ${web}/ answers 200 (got ${page.status})`);
check(html.includes('Orders of Ada Lovelace (pro)'), 'the page joins orders (Postgres), the profile (user → auth) and prices (catalog)');

const created = await fetch(`${web}/api/orders?sku=mn-03&quantity=1`, { method: 'POST' });
check(created.status === 201, `POST ${web}/api/orders creates an order (got ${created.status})`);
const { id } = await created.json();

if (process.env.BROKER_URL) {
  // notification-service consumes order.created from RabbitMQ; the page lists what it received.
  let notified = false;
  for (let attempt = 0; attempt < 50 && !notified; attempt++) {
    notified = (await (await fetch(`${web}/`)).text()).includes(`order ${id}: 1 × mn-03`);
    if (!notified) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  check(notified, `order ${id} was announced over RabbitMQ and shown on the page`);
} else {
  console.log('e2e: skipped: no broker in this stack (RabbitMQ is optional)');
}
