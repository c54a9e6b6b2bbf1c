// The benchmarks' synthetic agent session of 30 spans (the evaluators' micro-benchmark and the scorer's
// bench:scorer, row C): a support agent, 14 LLM calls resending the history, 14 tool spans.
import type { ISessionRecord } from '@tracebar/proto';
import { SessionBuilder } from '../test/fixtures.js';

const TOOLS = ['search_catalog', 'get_order_details', 'get_customer', 'update_order_address', 'check_stock', 'cancel_item', 'send_receipt'];

/** Root + 14 LLM calls + 14 tool spans + 1 = 30 spans; history resent on every call, as instrumentations do. */
export function thirtySpanSession(seed: number): ISessionRecord {
  const s = new SessionBuilder({ toolSpans: true, sessionKey: `bench-${seed}` });
  s.system('You are a support agent for an online store. Never change an order without the customer confirming. Refunds at most $500.');
  s.user(`Hi, I need help with order #W${1000 + seed}: please change the shipping address and check whether item ${seed % 7} is in stock.`);
  for (let i = 0; i < 14; i++) {
    if (i === 6) s.user('Yes, please go ahead with the change, and also send me a receipt.');
    const tool = TOOLS[(seed + i) % TOOLS.length]!;
    const error = (seed + i) % 17 === 0;
    s.assistant({
      text: i % 3 === 0 ? `Let me look at order #W${1000 + seed} for you (step ${i}).` : '',
      toolCalls: [{ name: tool, args: { order_id: `#W${1000 + seed}`, step: i }, result: error ? 'Error: service unavailable' : `{"order_id": "#W${1000 + seed}", "status": "pending", "items": [{"id": ${i}, "price": ${10 + i}.50}]}` }],
    });
  }
  s.assistant({ text: `Your order #W${1000 + seed} now ships to the new address; item ${seed % 7} is in stock and the receipt is on its way.` });
  return s.record();
}
