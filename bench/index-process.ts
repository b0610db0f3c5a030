/**
 * The local index for the benchmarks, in its own process so that its work
 * (rendering, gzip, injected latency timers) never shares an event loop with
 * the harness that takes the timestamps.
 *
 * Runs test/support/index-server.ts (generate mode: any valid name is an
 * active project) behind a byte-counting TCP proxy, so that "bytes received"
 * is what actually crossed the wire (status lines, headers and bodies), not
 * only body bytes (over HTTPS: the TLS records, handshakes included). Controlled by its parent over IPC; see IndexControl in
 * index-control.ts.
 */
import net from 'node:net';
import { catalogNames, isValidProjectName, makeProject, normalizeName } from '../test/support/index-catalog.js';
import { startIndexServer } from '../test/support/index-server.js';
import type { IndexReply, IndexRequest, WireRequest } from './index-control.js';

async function main(): Promise<void> {
  const latencyMs = Number(process.env.BENCH_INDEX_LATENCY_MS ?? '0');
  const tls = process.env.BENCH_INDEX_TLS === 'h2';
  const index = await startIndexServer({ latencyMs, unknownProjects: 'generate', ...(tls ? { tls: 'h2' as const } : {}) });
  const upstreamPort = Number(new URL(index.url).port);

  // Byte counts and, on the monotonic clock (process.hrtime, the same in every
  // process), when the first request byte arrived and the last answer byte left.
  const wire = { down: 0, up: 0, connections: 0, firstUpNs: 0n, lastDownNs: 0n };
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    wire.connections++;
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    upstream.on('data', (chunk: Buffer) => {
      wire.down += chunk.length;
      wire.lastDownNs = process.hrtime.bigint();
    });
    client.on('data', (chunk: Buffer) => {
      wire.up += chunk.length;
      if (wire.firstUpNs === 0n) wire.firstUpNs = process.hrtime.bigint();
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject);
    proxy.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (proxy.address() as net.AddressInfo).port;
  // Over TLS the proxy counts encrypted bytes: records, handshakes and all.
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;

  const reply = (message: IndexReply): void => {
    process.send?.(message);
  };

  const shutdown = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await index.close();
  };

  process.on('message', (raw: unknown) => {
    const message = raw as IndexRequest;
    switch (message.cmd) {
      case 'reset':
        index.resetLog();
        wire.down = 0;
        wire.up = 0;
        wire.firstUpNs = 0n;
        wire.lastDownNs = 0n;
        reply({ id: message.id, ok: true });
        break;
      case 'define': {
        // Projects outside the catalog are synthesized; make sure every release
        // the benchmark's files pin exists, as it does on PyPI.
        const catalog = new Set(catalogNames());
        let defined = 0;
        for (const { name, versions } of message.projects) {
          const normalized = normalizeName(name);
          if (catalog.has(normalized) || !isValidProjectName(name)) continue;
          const generated = makeProject({ name: normalized }).versions ?? [];
          const all = [...new Set([...generated, ...versions.filter((v) => /^[A-Za-z0-9.!+_-]+$/.test(v))])];
          index.setProject(
            normalized,
            makeProject({ name: normalized, versions: all, source: 'bench: generated, with the pinned releases of the benchmark files' }),
          );
          defined++;
        }
        reply({ id: message.id, ok: true, defined });
        break;
      }
      case 'latency':
        index.setLatency(message.ms);
        reply({ id: message.id, ok: true });
        break;
      case 'log': {
        const requests: WireRequest[] = index.requests.map((r) => ({
          path: r.path,
          status: r.status,
          bytesSent: r.bytesSent,
          conditional: r.headers['if-none-match'] !== undefined,
          gzipAsked: /gzip/i.test(r.headers['accept-encoding'] ?? ''),
          ...(r.receivedNs !== undefined && r.answeredNs !== undefined ? { receivedNs: r.receivedNs.toString(), answeredNs: r.answeredNs.toString() } : {}),
        }));
        reply({
          id: message.id,
          ok: true,
          requests,
          wireDown: wire.down,
          wireUp: wire.up,
          connections: wire.connections,
          firstRequestNs: wire.firstUpNs.toString(),
          lastAnswerNs: wire.lastDownNs.toString(),
          lastSimpleAnswerNs: index.requests
            .filter((r) => r.path.startsWith('/simple/'))
            .reduce((last, r) => (r.answeredNs !== undefined && r.answeredNs > last ? r.answeredNs : last), 0n)
            .toString(),
        });
        break;
      }
      case 'stop':
        void shutdown().then(() => {
          reply({ id: message.id, ok: true });
          process.exit(0);
        });
        break;
    }
  });
  // The parent going away (crash, Ctrl-C) must not leave this process behind.
  process.on('disconnect', () => {
    void shutdown().finally(() => process.exit(0));
  });
  reply({ id: 0, ok: true, url, upstream: index.url });
}

main().catch((e: unknown) => {
  process.stderr.write(`bench index: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
