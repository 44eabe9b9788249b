// The small JSON upstream of scenario 1's second calibration: the issue's forwarder table was
// measured in front of one, so the gateway and the bare forwarder are also measured in front of
// this, where the forwarder is nearly all the work on the machine. It answers every path with
// the same 200 and a body of the size of user-service's GET /users/me; nothing is looked up.
import http from 'node:http';

const body = JSON.stringify({
  id: '6f1c2b1e-7d4a-4c8e-9b2f-3a5d6e7f8a9b',
  username: 'bench_static',
  email: 'b***@example.com',
  display_name: 'Bench Static',
  roles: ['user'],
  status: 'active',
  created_at: '2026-11-30T12:00:00.000Z',
  updated_at: '2026-11-30T12:00:00.000Z',
});
const headers = {
  'content-type': 'application/json; charset=utf-8',
  'content-length': Buffer.byteLength(body),
  'cache-control': 'no-store',
};

const server = http.createServer((_req, res) => {
  res.writeHead(200, headers).end(body);
});
server.keepAliveTimeout = 5000;
server.listen(Number(process.env.GATEWAY_PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
