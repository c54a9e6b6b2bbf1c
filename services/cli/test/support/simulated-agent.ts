// An agent instrumented with the OpenTelemetry JS SDK (GenAI semantic conventions), exporting
// over OTLP/HTTP protobuf with the official exporter: what a user of tracebar runs.
import { SpanStatusCode, type Attributes } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';

export type AgentStep =
  | { kind: 'user'; text: string }
  | { kind: 'assistant'; text: string }
  | { kind: 'tool'; name: string; args: Record<string, unknown>; result: string; error?: boolean };

export interface AgentRun {
  session: string;
  steps: AgentStep[];
}

type Message = { role: string; parts: { type: string; content?: string; id?: string; name?: string; arguments?: unknown; response?: string }[] };

export class SimulatedAgent {
  readonly provider: BasicTracerProvider;
  readonly exporter: OTLPTraceExporter;
  /** Spans in exports the receiver acknowledged (what tracebar owes the store). */
  acknowledgedSpans = 0;
  /** Spans in exports that failed after the exporter's own retries. */
  failedSpans = 0;

  constructor(otlpHttpUrl: string, serviceName = 'travel-agent') {
    this.exporter = new OTLPTraceExporter({ url: `${otlpHttpUrl}/v1/traces` });
    const exportSpans = this.exporter.export.bind(this.exporter);
    this.exporter.export = (spans, done) =>
      exportSpans(spans, (result) => {
        if (result.code === ExportResultCode.SUCCESS) this.acknowledgedSpans += spans.length;
        else this.failedSpans += spans.length;
        done(result);
      });
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': serviceName, 'service.version': '2.3.0' }),
      spanProcessors: [new BatchSpanProcessor(this.exporter, { maxExportBatchSize: 512, scheduledDelayMillis: 50 })],
    });
  }

  /** One session: an agent span, a chat span per assistant message, a tool span per call. */
  run(run: AgentRun): void {
    const tracer = this.provider.getTracer('simulated-agent', '1.0.0');
    const common: Attributes = { 'session.id': run.session, 'gen_ai.agent.name': 'travel' };
    const system: Message = { role: 'system', parts: [{ type: 'text', content: 'You are a travel agent. Book only what the user confirmed.' }] };
    const history: Message[] = [system];
    let call = 0;
    let clock = Date.now() - 60_000;
    const at = () => (clock += 500);
    tracer.startActiveSpan('invoke_agent travel', { startTime: at(), attributes: { ...common, 'gen_ai.operation.name': 'invoke_agent' } }, (root) => {
      for (const step of run.steps) {
        if (step.kind === 'user') {
          history.push({ role: 'user', parts: [{ type: 'text', content: step.text }] });
        } else if (step.kind === 'assistant') {
          const chat = tracer.startSpan('chat gpt-4o', {
            startTime: at(),
            attributes: {
              ...common,
              'gen_ai.operation.name': 'chat',
              'gen_ai.provider.name': 'openai',
              'gen_ai.request.model': 'gpt-4o',
              'gen_ai.usage.input_tokens': 120 + 40 * history.length,
              'gen_ai.usage.output_tokens': Math.ceil(step.text.length / 4),
              'gen_ai.input.messages': JSON.stringify(history),
              'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: step.text }], finish_reason: 'stop' }]),
            },
          });
          chat.end(at());
          history.push({ role: 'assistant', parts: [{ type: 'text', content: step.text }] });
        } else {
          const id = `call_${++call}`;
          const args = JSON.stringify(step.args);
          const chat = tracer.startSpan('chat gpt-4o', {
            startTime: at(),
            attributes: {
              ...common,
              'gen_ai.operation.name': 'chat',
              'gen_ai.request.model': 'gpt-4o',
              'gen_ai.usage.input_tokens': 120 + 40 * history.length,
              'gen_ai.usage.output_tokens': 30,
              'gen_ai.input.messages': JSON.stringify(history),
              'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', id, name: step.name, arguments: step.args }], finish_reason: 'tool_calls' }]),
            },
          });
          chat.end(at());
          history.push({ role: 'assistant', parts: [{ type: 'tool_call', id, name: step.name, arguments: step.args }] });
          const tool = tracer.startSpan(`execute_tool ${step.name}`, {
            startTime: at(),
            attributes: {
              ...common,
              'gen_ai.operation.name': 'execute_tool',
              'gen_ai.tool.name': step.name,
              'gen_ai.tool.call.id': id,
              'gen_ai.tool.call.arguments': args,
              'gen_ai.tool.call.result': step.result,
            },
          });
          if (step.error) tool.setStatus({ code: SpanStatusCode.ERROR, message: step.result });
          tool.end(at());
          history.push({ role: 'tool', parts: [{ type: 'tool_call_response', id, response: step.result }] });
        }
      }
      root.setAttribute('tracebar.session.end', true);
      root.end(at());
    });
  }

  async flush(): Promise<void> {
    await this.provider.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }
}

/** The spans `run` emits for one session: the agent span, a chat span per assistant step, chat + tool per tool step. */
export function spanCount(run: AgentRun): number {
  return 1 + run.steps.reduce((n, step) => n + (step.kind === 'tool' ? 2 : step.kind === 'assistant' ? 1 : 0), 0);
}

const search = { name: 'search_flights', args: { from: 'CDG', to: 'FCO', date: '2026-05-03' } };

export const agentRuns = {
  clean: (session: string): AgentRun => ({
    session,
    steps: [
      { kind: 'user', text: 'Book me a flight from Paris to Rome on May 3, economy, under 300 euros.' },
      { kind: 'tool', ...search, result: '[{"flight":"AF1204","price":182,"cabin":"economy"}]' },
      { kind: 'assistant', text: 'AF1204 from Paris to Rome on May 3, economy, costs 182 euros. Shall I book it?' },
      { kind: 'user', text: 'Yes, please book it.' },
      { kind: 'tool', name: 'book_flight', args: { flight: 'AF1204' }, result: '{"confirmation":"QX7P2L","flight":"AF1204","price":182}' },
      { kind: 'assistant', text: 'Booked: AF1204 from Paris to Rome on May 3 for 182 euros. Confirmation QX7P2L.' },
    ],
  }),
  ignoredError: (session: string): AgentRun => ({
    session,
    steps: [
      { kind: 'user', text: 'Book me a flight from Paris to Rome on May 3, economy, under 300 euros.' },
      { kind: 'tool', ...search, result: '[{"flight":"AF1204","price":182,"cabin":"economy"}]' },
      { kind: 'tool', name: 'book_flight', args: { flight: 'AF1204' }, result: 'Error: payment declined by the card issuer', error: true },
      { kind: 'assistant', text: 'Your flight AF1204 from Paris to Rome on May 3 is booked. Have a great trip!' },
    ],
  }),
  silentFailure: (session: string): AgentRun => ({
    session,
    steps: [
      { kind: 'user', text: 'Find me a hotel in Lisbon from June 10 to June 12.' },
      { kind: 'tool', name: 'search_hotels', args: { city: 'Lisbon', checkin: '2026-06-10', checkout: '2026-06-12' }, result: '[]' },
      { kind: 'assistant', text: 'I booked the Hotel Avenida in Lisbon from June 10 to June 12. Enjoy your stay!' },
    ],
  }),
  retryStorm: (session: string): AgentRun => ({
    session,
    steps: [
      { kind: 'user', text: 'What is the status of my booking QX7P2L?' },
      ...Array.from({ length: 5 }, (): AgentStep => ({ kind: 'tool', name: 'get_booking', args: { id: 'QX7P2L' }, result: 'Error: upstream timeout', error: true })),
      { kind: 'assistant', text: 'Sorry, I could not reach the booking system. Please try again later.' },
    ],
  }),
};
