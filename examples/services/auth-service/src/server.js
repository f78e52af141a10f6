// Issues and verifies tokens. Every other service trusts it for who is calling.
import { startService } from '@example/service-kit';

const users = new Map([
  ['ada', { id: 1, name: 'Ada Lovelace' }],
  ['alan', { id: 2, name: 'Alan Turing' }],
]);
const tokens = new Map([['demo-token', users.get('ada')]]);

startService({
  name: 'auth-service',
  routes: {
    'POST /login': async (_request, url) => {
      const user = users.get(url.searchParams.get('user') ?? '');
      if (!user) return { status: 401, body: { error: 'unknown user' } };
      const token = `t-${user.id}-${Date.now().toString(36)}`;
      tokens.set(token, user);
      return { body: { token } };
    },
    'GET /verify': async (request) => {
      const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
      const user = tokens.get(token);
      return user ? { body: { user } } : { status: 401, body: { error: 'invalid token' } };
    },
  },
});
