// A lean HTTP/1.1 client for the load generator, written on raw sockets: node:http costs ~0.3 ms of
// CPU per request, which on a 2-core machine would take the cores the server and PostgreSQL need.
// Keep-alive connections (at most `sockets_max`), one request at a time per connection, requests
// pre-serialized, responses framed by Content-Length (what Kassa sends). Loopback targets only: the
// generator must never be pointed at someone else's server.
import { connect, type Socket } from 'node:net';

export interface BenchResponse {
  status: number;
  text: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost']);
const HEADER_END = Buffer.from('\r\n\r\n');

interface Exchange {
  bytes: Buffer;
  resolve: (response: BenchResponse) => void;
  reject: (error: Error) => void;
}

class Connection {
  private readonly socket: Socket;
  private chunks: Buffer[] = [];
  private received = 0;
  private current: Exchange | undefined;
  private timer: NodeJS.Timeout | undefined;
  closed = false;

  constructor(
    host: string,
    port: number,
    private readonly timeout_ms: number,
    private readonly onIdle: (connection: Connection) => void,
    private readonly onClose: (connection: Connection) => void,
  ) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', (error) => this.close(error));
    this.socket.on('close', () => this.close(new Error('connection closed by server')));
  }

  send(exchange: Exchange): void {
    this.current = exchange;
    this.timer = setTimeout(() => this.close(new Error(`timeout after ${this.timeout_ms} ms`)), this.timeout_ms);
    this.socket.write(exchange.bytes);
  }

  private receive(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.received += chunk.length;
    const data = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.received);
    this.chunks = [data];
    const headerEnd = data.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = data.toString('latin1', 0, headerEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) {
      this.close(new Error('response without content-length'));
      return;
    }
    const total = headerEnd + 4 + Number(length[1]);
    if (data.length < total) return;
    if (data.length > total) {
      this.close(new Error('unexpected bytes after a response'));
      return;
    }
    const status = Number(head.slice(9, 12));
    const text = data.toString('utf8', headerEnd + 4, total);
    this.chunks = [];
    this.received = 0;
    clearTimeout(this.timer);
    const exchange = this.current!;
    this.current = undefined;
    if (/\r\nconnection:\s*close/i.test(head)) this.close(new Error('connection closed by server'));
    exchange.resolve({ status, text });
    if (!this.closed) this.onIdle(this);
  }

  close(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.socket.destroy();
    const exchange = this.current;
    this.current = undefined;
    exchange?.reject(error);
    this.onClose(this);
  }
}

export class BenchClient {
  private readonly host: string;
  private readonly port: number;
  private readonly idle: Connection[] = [];
  private readonly waiting: Exchange[] = [];
  private open = 0;

  constructor(
    base_url: string,
    private readonly sockets_max: number,
    private readonly timeout_ms: number,
  ) {
    const url = new URL(base_url);
    if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) {
      throw new Error(`bench targets http://127.0.0.1 only, not ${base_url}`);
    }
    this.host = '127.0.0.1';
    this.port = Number(url.port || 80);
  }

  request(method: string, path: string, body?: string): Promise<BenchResponse> {
    const payload = body === undefined ? '' : body;
    const head =
      `${method} ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\naccept: application/json\r\n` +
      (body === undefined ? '' : `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n`) +
      '\r\n';
    return new Promise((resolve, reject) => {
      this.dispatch({ bytes: Buffer.from(head + payload), resolve, reject });
    });
  }

  private dispatch(exchange: Exchange): void {
    const connection = this.idle.pop();
    if (connection) connection.send(exchange);
    else if (this.open < this.sockets_max) {
      this.open += 1;
      new Connection(
        this.host,
        this.port,
        this.timeout_ms,
        (c) => this.release(c),
        (c) => this.forget(c),
      ).send(exchange);
    } else this.waiting.push(exchange);
  }

  private release(connection: Connection): void {
    const next = this.waiting.shift();
    if (next) connection.send(next);
    else this.idle.push(connection);
  }

  private forget(connection: Connection): void {
    this.open -= 1;
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    const next = this.waiting.shift();
    if (next) this.dispatch(next);
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
    for (const connection of [...this.idle]) connection.close(new Error('client closed'));
  }
}
