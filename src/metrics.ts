// A few Prometheus counters, rendered in the text exposition format for GET /metrics. Labels are
// kept to small fixed sets (status codes, error codes) so that series stay bounded.

type Labels = Record<string, string>;

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labelText(labels: Labels): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return '';
  return `{${names.map((name) => `${name}="${escapeLabel(labels[name])}"`).join(',')}}`;
}

export class Counter {
  private readonly series = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    const key = labelText(labels);
    this.series.set(key, (this.series.get(key) ?? 0) + by);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [labels, value] of this.series) lines.push(`${this.name}${labels} ${value}`);
    return lines.join('\n');
  }
}

export class Metrics {
  private readonly counters = new Map<string, Counter>();

  /** The counter named `name`, created on first use. */
  counter(name: string, help: string): Counter {
    let counter = this.counters.get(name);
    if (!counter) {
      counter = new Counter(name, help);
      this.counters.set(name, counter);
    }
    return counter;
  }

  render(): string {
    return [...this.counters.values()].map((counter) => counter.render()).join('\n') + '\n';
  }
}
