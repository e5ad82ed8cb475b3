/**
 * The default model's recipe settings. `full` is the committed model (about half an hour on 2 cores); `tiny` runs the
 * same steps in a few minutes to develop and test the recipe.
 */
export interface RecipeSettings {
  readonly model: {
    readonly vocabSize: number;
    readonly embeddingLength: number;
    readonly blockCount: number;
    readonly headCount: number;
    readonly headCountKv: number;
    readonly feedForwardLength: number;
    readonly contextLength: number;
  };
  /** `h2ogpt finetune` flags. */
  readonly finetune: Readonly<Record<string, string | number | boolean>>;
  /** Each question/answer record appears this many times per epoch (the documents once). */
  readonly qaRepeat: number;
  /** Documents are cut into pieces of at most this many characters. */
  readonly docsMaxChars: number;
}

export const RECIPES: Readonly<Record<"full" | "tiny", RecipeSettings>> = {
  full: {
    model: {vocabSize: 4096, embeddingLength: 256, blockCount: 4, headCount: 4, headCountKv: 4, feedForwardLength: 704, contextLength: 512},
    finetune: {
      num_epochs: 25,
      micro_batch_size: 8,
      batch_size: 32,
      learning_rate: 2e-3,
      warmup_steps: 50,
      weight_decay: 0.01,
      cutoff_len: 256,
      pad_to_multiple_of: 64,
      group_by_length: true
    },
    qaRepeat: 2,
    docsMaxChars: 1000
  },
  tiny: {
    model: {vocabSize: 1024, embeddingLength: 64, blockCount: 2, headCount: 2, headCountKv: 2, feedForwardLength: 128, contextLength: 512},
    finetune: {
      num_epochs: 2,
      micro_batch_size: 8,
      batch_size: 32,
      learning_rate: 3e-3,
      warmup_steps: 5,
      weight_decay: 0.01,
      cutoff_len: 128,
      pad_to_multiple_of: 32,
      group_by_length: true
    },
    qaRepeat: 1,
    docsMaxChars: 400
  }
};

/** human_bot as a chat template, so `h2ogpt generate` detects the prompt type from the GGUF alone. */
export const HUMAN_BOT_CHAT_TEMPLATE =
  "{% for message in messages %}{% if message['role'] == 'user' %}{{ '<human>: ' + message['content'] + '\\n' }}" +
  "{% elif message['role'] == 'assistant' %}{{ '<bot>: ' + message['content'] + '\\n' }}{% endif %}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<bot>:' }}{% endif %}";
