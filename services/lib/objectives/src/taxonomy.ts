// The failure taxonomy (config/taxonomy.yaml): patterns and their subtypes, versioned. Scores
// and labels name a pattern and subtype of one version.
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ObjectiveError } from './objective-error.js';
import { firstIssue } from './zod-issues.js';

const name = z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a snake_case name');

export const taxonomySchema = z.strictObject({
  version: z.number().int().min(1),
  patterns: z.record(
    name,
    z.strictObject({
      description: z.string().min(1),
      subtypes: z.record(name, z.string().min(1)).default({}),
    }),
  ),
});

export type Taxonomy = z.infer<typeof taxonomySchema>;

/** Version 1, as shipped in config/taxonomy.yaml (a test keeps them equal). */
export const BUILTIN_TAXONOMY: Taxonomy = Object.freeze({
  version: 1,
  patterns: {
    reasoning_drift: {
      description: 'The final output answers a different question than the opening turn.',
      subtypes: {
        off_topic: 'The final answer addresses something other than what was asked.',
        loop: 'The agent repeats the same steps without progress.',
      },
    },
    tool_failure: {
      description: 'A tool call failed, loudly or silently, and the session paid for it.',
      subtypes: {
        explicit_error: 'The tool reported an error (span status, error attributes, an error result).',
        silent_failure: 'A success with nothing in it (empty body, null, [] or {}) or a result that does not match the call.',
        retry_storm: 'The same tool with the same arguments called again and again.',
        ignored_error: 'The agent carried on, or answered, as if a failed call had worked.',
      },
    },
    context_saturation: {
      description: 'The context grew past what the model uses well.',
      subtypes: {
        window_overflow: "Prompt tokens near or over the model's context window.",
        dropped_constraint: 'A constraint stated in an early turn is violated later.',
        lost_in_middle: 'An instruction sits in the middle of a long context and is not followed.',
      },
    },
    goal_misalignment: {
      description: 'The literal task was done; the intent was missed.',
      subtypes: {
        intent_missed: 'What was done is not what was asked for.',
        subgoal_over_whole: 'A sub-goal was optimized at the expense of the whole.',
        user_dissatisfied: 'The user repeats the request, corrects the agent or asks for a human.',
      },
    },
  },
});

export function parseTaxonomy(text: string, file: string): Taxonomy {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new ObjectiveError(file, '', `not valid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = taxonomySchema.safeParse(data);
  if (!parsed.success) {
    const { key, problem } = firstIssue(parsed.error);
    throw new ObjectiveError(file, key, problem);
  }
  return parsed.data;
}

/** The configured taxonomy file, or the built-in version when the file does not exist. */
export function loadTaxonomy(file: string): { taxonomy: Taxonomy; source: string } {
  if (!existsSync(file)) return { taxonomy: BUILTIN_TAXONOMY, source: 'built-in' };
  return { taxonomy: parseTaxonomy(readFileSync(file, 'utf8'), file), source: file };
}

/** Whether a pattern (and subtype, when given) exists in this taxonomy. */
export function taxonomyHas(taxonomy: Taxonomy, pattern: string, subtype = ''): boolean {
  const entry = taxonomy.patterns[pattern];
  if (!entry) return false;
  return subtype === '' || Object.hasOwn(entry.subtypes, subtype);
}
