// A lean keep-alive HTTP client for the load generator: raw node:http (no fetch overhead), bodies
// sent as prepared strings, a bounded socket count and a per-request timeout. Loopback targets only:
// the generator must never be pointed at someone else's server.
import http from 'node:http';

export interface BenchResponse {
  status: number;
  text: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

export class BenchClient {
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    base_url: string,
    sockets_max: number,
    private readonly timeout_ms: number,
  ) {
    const url = new URL(base_url);
    if (!LOOPBACK_HOSTS.has(url.hostname)) throw new Error(`bench targets 127.0.0.1 only, not ${url.hostname}`);
    this.host = url.hostname === 'localhost' ? '127.0.0.1' : url.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(url.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets_max, maxFreeSockets: sockets_max });
  }

  request(method: string, path: string, body?: string): Promise<BenchResponse> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      const req = http.request(
        { host: this.host, port: this.port, method, path, headers, agent: this.agent, timeout: this.timeout_ms },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timeout after ${this.timeout_ms} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  post(path: string, body: unknown): Promise<BenchResponse> {
    return this.request('POST', path, JSON.stringify(body));
  }

  put(path: string, body: unknown): Promise<BenchResponse> {
    return this.request('PUT', path, JSON.stringify(body));
  }

  get(path: string): Promise<BenchResponse> {
    return this.request('GET', path);
  }

  close(): void {
    this.agent.destroy();
  }
}
