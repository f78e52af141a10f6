// User profiles; every request is authenticated through auth-service.
import { fetchJson, requireEnv, startService } from '@example/service-kit';

const authUrl = requireEnv('AUTH_SERVICE_URL');
const profiles = { 1: { plan: 'pro', city: 'London' }, 2: { plan: 'free', city: 'Manchester' } };

startService({
  name: 'user-service',
  routes: {
    'GET /me': async (request) => {
      const { user } = await fetchJson(`${authUrl}/verify`, { headers: { authorization: request.headers.authorization ?? '' } });
      return { body: { ...user, ...profiles[user.id] } };
    },
  },
});
