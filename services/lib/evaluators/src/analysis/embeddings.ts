// Text embeddings from an OpenAI-compatible /embeddings endpoint (optional; reasoning_drift uses
// them, when configured, to compare the request and the final answer by meaning rather than words).
import { z } from 'zod';
import { AttemptError, postJson, withRetries, type Attempted, type EndpointDeps } from '../openai-endpoint.js';
import type { EmbeddingSettings } from '../types.js';

const embeddingsSchema = z.object({
  data: z.array(z.object({ index: z.number().int().min(0).optional(), embedding: z.array(z.number()).min(1) })).min(1),
});

/** Characters of a text sent to embed: embedding models take a few thousand tokens. */
export const MAX_EMBEDDED_CHARS = 8_000;

/** One vector per text, in order; `ok: false` with the reason when the endpoint gave none usable. */
export async function embedTexts(texts: readonly string[], settings: EmbeddingSettings, deps: EndpointDeps): Promise<Attempted<number[][]>> {
  const body = JSON.stringify({ model: settings.model, input: texts.map((text) => text.slice(0, MAX_EMBEDDED_CHARS)) });
  return withRetries(
    settings.retries,
    deps.signal,
    async () => {
      const parsed = embeddingsSchema.safeParse(await postJson(settings, '/embeddings', body, deps, 'embeddings endpoint'));
      if (!parsed.success) throw new AttemptError('embeddings response has no data[].embedding', true);
      const vectors: number[][] = new Array<number[]>(texts.length);
      parsed.data.data.forEach((item, position) => {
        const index = item.index ?? position;
        if (index < texts.length) vectors[index] = item.embedding;
      });
      for (let i = 0; i < texts.length; i++) {
        if (!vectors[i]) throw new AttemptError(`embeddings response lacks input ${i}`, true);
        if (vectors[i]!.length !== vectors[0]!.length) throw new AttemptError('embeddings of different dimensions', true);
      }
      return vectors;
    },
    'embeddings endpoint gave no answer',
  );
}

/** Cosine similarity in [-1, 1]; 0 when either vector is all zeros. */
export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
