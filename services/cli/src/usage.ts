export const USAGE = `tracebar — find the agent sessions that fail their users

Usage:
  tracebar up [--components <list>] [--config <file>] [--validate]
      Run every component in one process (embedded default: in-process bus, chDB under
      ./.tracebar). --components ingest,sessionizer,scorer,sink runs a chosen set (a subset needs Kafka).
      --validate checks the config and exits.
  tracebar ingest|sessionizer|scorer|sink [--config <file>] [--validate]
      Run one service of a scaled-out pipeline against TRACEBAR_KAFKA_BROKERS (the store only for
      scorer and sink); instances of one service share the work through their consumer group.
  tracebar sql "<query>" [--param name=value ...] [--format table|jsonl] [--config <file>]
      Run a read-only query ({name:Type} placeholders bound from --param): through the running instance's admin API when one is up,
      directly against the configured store otherwise.
  tracebar objectives validate|list|show <id> [<version>] [--config <file>]
      Check the objective files (config/objectives/*.yaml) as the scorer loads them, and against
      the versions the store recorded (a recorded version never changes content); list them; show one
      with its evaluators' versions and params (defaults applied).
  tracebar import <file|folder> --format openai-messages|who-and-when [--endpoint <url>] [--outcomes-as-labels] [--start-time <iso>]
      Send a data set's records as OTLP sessions to a running tracebar (default endpoint: otlp.http);
      --outcomes-as-labels writes their ground truth (reward, mistake labels) to the labels table.
  tracebar tail review|alerts [--from-beginning] [--format text|jsonl] [--config <file>]
      Print the review (or alerts) topic as it comes, one line a record, until Ctrl+C: from Kafka
      with a throwaway consumer group when TRACEBAR_KAFKA_BROKERS is set, else from the running
      instance (GET /v1/tail/<topic>). jsonl prints each record's protobuf JSON as is.
  tracebar report [--since 7d] [--tenant default] [--format table|jsonl] [--config <file>]
      Per objective version: sessions scored, per-step tool success, tool calls per session, the
      end-to-end success compounding predicts, the observed pass rate and the SLA target.
  tracebar help | --help
  tracebar --version

Config: config/tracebar.yaml (or --config / TRACEBAR_CONFIG) with TRACEBAR_* overrides.
`;
