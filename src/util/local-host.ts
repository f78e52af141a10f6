/** Where every service, database and proxy listens, and what every injected URL points at. */
export const LOCAL_HOST = '127.0.0.1';
