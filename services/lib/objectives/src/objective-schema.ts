// The objective file as written (config/objectives/*.yaml). Evaluator params are checked
// against each evaluator type's own schema when the file is loaded.
import { z } from 'zod';

const identifier = z.string().regex(/^[a-z][a-z0-9_.-]*$/, 'expected lowercase letters, digits, _ . - (starting with a letter)');
const oneOrMany = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const objectiveFileSchema = z.strictObject({
  id: identifier.refine((id) => id !== 'default', 'the id "default" is the built-in objective'),
  version: z.number().int().min(1),
  description: z.string().default(''),
  /** Which sessions the objective judges; every given field must match. Empty selects every session. */
  selector: z
    .strictObject({
      /** The session's service.name (one or any of several). */
      serviceName: oneOrMany.optional(),
      /** The session's agent name (gen_ai.agent.name). */
      agentName: oneOrMany.optional(),
      /** Span or resource attributes some span of the session carries, with one of the values. */
      attributes: z.record(z.string().min(1), oneOrMany).default({}),
    })
    .default({ attributes: {} }),
  sla: z.strictObject({
    /** End-to-end success target: the share of sessions that should pass. */
    target: z.number().gt(0).max(1),
  }),
  evaluators: z
    .array(
      z.strictObject({
        id: identifier,
        type: z.string().min(1),
        params: z.unknown().optional(),
        required: z.boolean().default(true),
        weight: z.number().min(0).default(1),
      }),
    )
    .min(1),
});

export type ObjectiveFile = z.infer<typeof objectiveFileSchema>;
