// Go duration strings ("300ms", "1.5h", "2h45m", "24h") <-> milliseconds.
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;

/** Parses a Go duration string into milliseconds; `undefined` when it is not one. */
export function parseGoDuration(text: string): number | undefined {
  const match = /^([+-]?)(.*)$/.exec(text.trim());
  if (!match) return undefined;
  const [, sign, body] = match;
  if (body === '0') return 0;
  if (body === '') return undefined;
  PART.lastIndex = 0;
  let total_ms = 0;
  let consumed = 0;
  for (let part = PART.exec(body); part; part = PART.exec(body)) {
    total_ms += Number(part[1]) * UNIT_MS[part[2]];
    consumed = PART.lastIndex;
  }
  if (consumed !== body.length) return undefined;
  return sign === '-' ? -total_ms : total_ms;
}

/** Milliseconds as Go prints a duration: `24h0m0s`, `2m0s`, `1.5s`, `300ms`. */
export function formatGoDuration(duration_ms: number): string {
  if (duration_ms === 0) return '0s';
  const negative = duration_ms < 0;
  let rest = Math.abs(duration_ms);
  if (rest < 1000) return `${negative ? '-' : ''}${rest}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Number((rest / 1000).toFixed(9)).toString();
  let text = `${seconds}s`;
  if (hours > 0 || minutes > 0) text = `${minutes}m${text}`;
  if (hours > 0) text = `${hours}h${text}`;
  return (negative ? '-' : '') + text;
}
