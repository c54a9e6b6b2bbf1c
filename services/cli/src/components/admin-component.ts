import type { Bus } from '@tracebar/bus';
import type { TracebarConfig } from '@tracebar/config';
import { Label, sessionRecordKey } from '@tracebar/proto';
import { buildAdminServer, type Component, type LabelPublisher, type Logger, type ReadinessCheck, type Registry, type SqlRunner, type TopicTail } from '@tracebar/runtime';

export interface AdminComponentDeps {
  config: TracebarConfig;
  logger: Logger;
  registry: Registry;
  readiness: () => readonly ReadinessCheck[];
  sql?: SqlRunner;
  labels?: LabelPublisher;
  /** `GET /v1/tail/review|alerts` (`tracebar tail` against an embedded instance): see topicTail. */
  tail?: TopicTail;
}

/** `POST /v1/labels` publishes to the labels topic, keyed like sessions (`<tenant>/<session key>`); the sink stores them. */
export function labelPublisher(config: TracebarConfig, bus: () => Bus): LabelPublisher {
  return (labels) => bus().publish(config.topics.labels.name, labels.map((label) => ({ key: sessionRecordKey(label.tenant, label.sessionKey), value: Buffer.from(Label.encode(label).finish()) })));
}

export interface AdminComponent extends Component {
  /** The bound address, e.g. `http://127.0.0.1:13133` (the real port when configured as 0). */
  url(): string;
}

/** Started first and stopped last, so health and metrics answer through start-up and drain. */
export function createAdminComponent(deps: AdminComponentDeps): AdminComponent {
  const app = buildAdminServer(deps);
  let address = '';
  return {
    name: 'admin',
    async start() {
      address = await app.listen({ host: deps.config.admin.host, port: deps.config.admin.port });
      deps.logger.info({ component: 'admin', address }, 'admin server listening');
    },
    async shutdown() {
      await app.close();
    },
    url: () => address,
  };
}
