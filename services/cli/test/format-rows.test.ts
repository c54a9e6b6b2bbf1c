import { describe, expect, it } from 'vitest';
import { formatJsonLines, formatTable } from '../src/format-rows.js';

const result = {
  columns: [
    { name: 'service', type: 'LowCardinality(String)' },
    { name: 'sessions', type: 'UInt64' },
    { name: 'pass_rate', type: 'Nullable(Float64)' },
  ],
  rows: [
    ['checkout-agent', '1200', 0.93],
    ['support', '7', null],
  ],
};

describe('row formats', () => {
  it('aligns a table, numbers to the right, NULL spelled out', () => {
    expect(formatTable(result)).toBe(
      [
        'service         sessions  pass_rate',
        '--------------  --------  ---------',
        'checkout-agent      1200       0.93',
        'support                7       NULL',
        '',
      ].join('\n'),
    );
  });

  it('writes one JSON object per row', () => {
    expect(formatJsonLines(result)).toBe(
      '{"service":"checkout-agent","sessions":"1200","pass_rate":0.93}\n{"service":"support","sessions":"7","pass_rate":null}\n',
    );
  });
});
