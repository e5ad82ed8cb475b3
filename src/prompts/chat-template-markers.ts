/**
 * Prompt types recognised from the text of a model's chat template (GGUF `tokenizer.chat_template`), first
 * match wins; a rule matches when the template contains all its markers. Llama-3-style templates
 * (`<|start_header_id|>`) have no h2oGPT type: the caller renders those with the template itself.
 */
export const CHAT_TEMPLATE_MARKERS: readonly {readonly markers: readonly string[]; readonly promptType: string}[] = [
  {markers: ["<|im_start|>"], promptType: "qwen"},
  {markers: ["[INST]", "<<SYS>>"], promptType: "llama2"},
  {markers: ["[INST]"], promptType: "mistral"},
  {markers: ["<start_of_turn>"], promptType: "gemma"},
  {markers: ["<|user|>", "<|assistant|>"], promptType: "zephyr"},
  {markers: ["GPT4 Correct User"], promptType: "open_chat_correct"},
  {markers: ["GPT4 User"], promptType: "open_chat"},
  {markers: ["<|prompter|>"], promptType: "open_assistant"},
  {markers: ["<|prompt|>", "<|answer|>", "</s>"], promptType: "danube"},
  {markers: ["<|prompt|>", "<|answer|>"], promptType: "prompt_answer"},
  {markers: ["<human>:"], promptType: "human_bot"},
  {markers: ["<|EOT|>", "### Instruction"], promptType: "deepseek_coder"},
  {markers: ["<end_of_utterance>"], promptType: "idefics2"},
  {markers: ["[|Human|]"], promptType: "jais"},
  {markers: ["GPT4 Correct"], promptType: "open_chat_correct"},
  {markers: ["### User:", "### Assistant:"], promptType: "beluga"},
  {markers: ["USER:", "ASSISTANT:"], promptType: "vicuna11"}
];
