import {promptTypeRow, type PromptTypeRow, type PromptTypeRowInput} from "./prompt-type-row.js";
import {
  ONE_SHOT_PREAMBLE,
  SYSTEM_CONVERSATION,
  SYSTEM_DEEPSEEK_CODER,
  SYSTEM_FOLLOWS_INSTRUCTIONS,
  SYSTEM_HUMAN_ASSISTANT,
  SYSTEM_INSTRUCTION,
  SYSTEM_JAIS,
  SYSTEM_LLAMA2,
  SYSTEM_ORCA2,
  SYSTEM_USER_ASSISTANT
} from "./system-prompt-texts.js";

/**
 * h2oGPT's 76 prompt types (src/enums.py PromptType, src/prompter.py get_prompt), one row each, in enum order.
 * Deliberate differences from h2oGPT are marked "fix:" and listed in docs/prompt-types.md.
 */

const NO_FORMAT = {
  promptA: null,
  promptB: null,
  preInstruct: null,
  preResponse: null,
  humanstr: null,
  botstr: null
} as const;

const INSTRUCT = {
  preInstruct: "\n### Instruction:\n",
  preInput: "\n### Input:\n",
  preResponse: "\n### Response:\n"
} as const;

const ALPACA_A =
  "Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.\n";

const HUMAN_BOT = {
  preInstruct: "<human>: ",
  preResponse: "<bot>:",
  historyPreResponse: "<bot>: ",
  terminate: ["\n<human>:", "\n<bot>:", "<human>:", "<bot>:", "<bot>:"],
  humanstr: "<human>:",
  botstr: "<bot>:",
  generatesLeadingSpace: true,
  trailingPartialTags: ["<human", "<bot"]
} as const;

const PROMPT_ANSWER = {preInstruct: "<|prompt|>", preResponse: "<|answer|>"} as const;

const OPEN_ASSISTANT = {
  preInstruct: "<|prompter|>",
  preResponse: "<|assistant|>",
  terminate: ["<|prompter|>", "<|assistant|>", "<|prefix_end|>", "</s>"],
  chatSep: "</s>",
  chatTurnSep: "</s>"
} as const;

/** Chat APIs (OpenAI, Anthropic, Google, Mistral, Groq) template the messages themselves. */
const CHAT_API = {
  canHandleSystemPrompt: true,
  preInstruct: "",
  preResponse: "",
  chatSep: "",
  humanstr: null,
  botstr: null
} as const;

const VICUNA11 = {
  defaultSystemPrompt: SYSTEM_USER_ASSISTANT,
  preInstruct: "USER: ",
  preResponse: "ASSISTANT:",
  historyPreResponse: "ASSISTANT: ",
  terminate: ["ASSISTANT:", "</s>"],
  chatSep: " ",
  chatTurnSep: "</s>"
} as const;

const MPTCHAT = {
  canHandleSystemPrompt: true,
  promptA: "<|im_start|>system\n{system}\n<|im_end|>",
  promptB: "<|im_start|>system\n{system}\n<|im_end|>",
  preInstruct: "<|im_start|>user\n",
  preResponse: "<|im_end|><|im_start|>assistant\n",
  terminate: ["<|im_end|>"],
  chatSep: "",
  chatTurnSep: "<|im_end|>"
} as const;

/** xwin, mistralgerman: system prompt then a space, USER:/ASSISTANT: turns separated by newlines. */
const XWIN = {
  canHandleSystemPrompt: true,
  promptA: "{system} ",
  promptB: "{system} ",
  preInstruct: "USER: ",
  preResponse: "ASSISTANT:",
  historyPreResponse: "ASSISTANT: ",
  terminate: ["ASSISTANT:", "ASSISTANT:", "</s>"]
} as const;

const MISTRAL = {
  preInstruct: "[INST] ",
  preResponse: "[/INST]",
  terminate: ["[INST]", "</s>"],
  chatSep: " ",
  chatTurnSep: "</s> ",
  humanstr: "[INST]",
  botstr: "[/INST]"
} as const;

const MIXTRAL = {...MISTRAL, firstPreInstruct: "<s> [INST] "} as const;

const AQUILA_TERMINATE = ["###Human:", "###", "</s>", "[UNK]"];

const OPEN_CHAT = {terminateTail: "<|end_of_turn|>", chatSep: "<|end_of_turn|>", chatTurnSep: "<|end_of_turn|>"} as const;

function openChat(name: string, value: number, user: string, assistant: string): PromptTypeRowInput {
  return {
    name,
    value,
    preInstruct: `${user} `,
    preResponse: assistant,
    historyPreResponse: `${assistant} `,
    terminate: [assistant, OPEN_CHAT.terminateTail],
    chatSep: OPEN_CHAT.chatSep,
    chatTurnSep: OPEN_CHAT.chatTurnSep
  };
}

const QWEN = {
  canHandleSystemPrompt: true,
  defaultSystemPrompt: SYSTEM_CONVERSATION,
  promptA: "<|im_start|>system\n{system}<|im_end|>\n",
  promptB: "<|im_start|>system\n{system}<|im_end|>\n",
  preInstruct: "<|im_start|>user\n",
  preResponse: "<|im_end|>\n<|im_start|>assistant\n",
  chatSep: "",
  chatTurnSep: "<|im_end|>\n"
} as const;

const ROWS: readonly PromptTypeRowInput[] = [
  {name: "template", value: -3, ...NO_FORMAT, usesChatTemplate: true, trailingPartialTags: ["<|endoftext|>", "<|im_end|>"]},
  {name: "unknown", value: -2, ...NO_FORMAT, usesChatTemplate: true, trailingPartialTags: ["<|endoftext|>", "<|im_end|>"]},
  // custom's strings come from prompt_dict (see custom-prompt-type.ts); these are its defaults.
  {name: "custom", value: -1, preInstruct: "", preInput: "", preResponse: "", humanstr: "", botstr: "", hasPlaceholders: false},
  {name: "plain", value: 0, ...NO_FORMAT},
  {name: "instruct", value: 1, promptA: ALPACA_A, promptB: `${SYSTEM_INSTRUCTION}\n`, ...INSTRUCT},
  {
    name: "quality",
    value: 2,
    promptA:
      "Write a detailed high-quality, accurate, fair, Response with about 100 words by following the Instruction as applied on the Input.\n",
    promptB: "Write a detailed high-quality, accurate, fair, Response with about 100 words by following the Instruction.\n",
    ...INSTRUCT
  },
  {name: "human_bot", value: 3, ...HUMAN_BOT},
  {
    name: "dai_faq",
    value: 4,
    promptB: "Answer the following Driverless AI question.\n",
    preInstruct: "\n### Driverless AI frequently asked question:\n",
    preResponse: "\n### Driverless AI documentation answer:\n",
    terminate: ["\n\n"],
    // fix: h2oGPT sets both separators to the list ['\n\n'], so rendering raises TypeError.
    chatSep: "\n\n",
    chatTurnSep: "\n\n"
  },
  {name: "summarize", value: 5, preInstruct: "## Main Text\n\n", preInput: "", preResponse: "\n\n## Summary\n\n"},
  {name: "simple_instruct", value: 6, byNameOnly: true, ...NO_FORMAT},
  {
    name: "instruct_vicuna",
    value: 7,
    canHandleSystemPrompt: true,
    defaultSystemPrompt: SYSTEM_HUMAN_ASSISTANT,
    promptA: "{system}",
    promptB: "{system}",
    preInstruct: "\n### Human:\n",
    preResponse: "\n### Assistant:\n",
    terminate: ["### Human:", "###  Human:  ", " ###  Human:", "###  Assistant:"]
  },
  {name: "instruct_with_end", value: 8, promptA: ALPACA_A, promptB: `${SYSTEM_INSTRUCTION}\n`, ...INSTRUCT, terminate: ["### End"]},
  // fix: h2oGPT cuts partial tags from human_bot responses only; human_bot_orig has the same tags.
  {name: "human_bot_orig", value: 9, ...HUMAN_BOT, promptA: "{date}", promptB: "{date}"},
  {
    name: "prompt_answer",
    value: 10,
    ...PROMPT_ANSWER,
    terminate: ["<|prompt|>", "<|answer|>", "<|endoftext|>"],
    chatSep: "<|endoftext|>",
    chatTurnSep: "<|endoftext|>"
  },
  {name: "open_assistant", value: 11, ...OPEN_ASSISTANT},
  {
    name: "wizard_lm",
    value: 12,
    preInstruct: "",
    preResponse: "\n\n### Response\n",
    terminate: ["\n\n### Response\n", "</s>"],
    chatSep: "</s>",
    chatTurnSep: "</s>"
  },
  {
    name: "wizard_mega",
    value: 13,
    preInstruct: "\n### Instruction:\n",
    preResponse: "\n### Assistant:\n",
    terminate: ["\n### Assistant:\n"]
  },
  {name: "instruct_vicuna2", value: 14, preInstruct: "\nHUMAN:\n", preResponse: "\nASSISTANT:\n", terminate: ["HUMAN:"]},
  {name: "instruct_vicuna3", value: 15, preInstruct: "\n### User:\n", preResponse: "\n### Assistant:\n", terminate: ["### User:"]},
  {
    name: "wizard2",
    value: 16,
    canHandleSystemPrompt: true,
    defaultSystemPrompt: SYSTEM_INSTRUCTION,
    promptA: "{system}",
    promptB: "{system}",
    preInstruct: "\n### Instruction:\n",
    preResponse: "\n### Response:\n",
    terminate: ["\n### Response:\n"]
  },
  {
    name: "wizard3",
    value: 17,
    canHandleSystemPrompt: true,
    defaultSystemPrompt: SYSTEM_USER_ASSISTANT,
    promptA: "{system}",
    promptB: "{system}",
    preInstruct: "USER: ",
    preResponse: "ASSISTANT: ",
    terminate: ["ASSISTANT: "]
  },
  {name: "instruct_simple", value: 18, ...INSTRUCT},
  {name: "wizard_vicuna", value: 19, preInstruct: "USER: ", preResponse: "ASSISTANT: ", terminate: ["ASSISTANT: "]},
  {
    name: "openai",
    value: 20,
    canHandleSystemPrompt: true,
    defaultSystemPrompt:
      "The following is a conversation with an AI assistant. The assistant is helpful, creative, clever, and very friendly.",
    promptA: "{system}",
    promptB: "{system}",
    preInstruct: "\nHuman: ",
    preResponse: "\nAI:",
    terminate: ["\nAI:", " Human:", " AI:"]
  },
  {name: "openai_chat", value: 21, ...CHAT_API},
  {
    name: "gptj",
    value: 22,
    promptA:
      "### Instruction:\n The prompt below is a question to answer, a task to complete, or a conversation to respond to; decide which and write an appropriate response.",
    promptB:
      "### Instruction:\n The prompt below is a question to answer, a task to complete, or a conversation to respond to; decide which and write an appropriate response.",
    preInstruct: "\n### Prompt: ",
    preResponse: "\n### Response: ",
    terminate: ["\n### Response: ", "Prompt:", "Response:"]
  },
  {
    name: "prompt_answer_openllama",
    value: 23,
    ...PROMPT_ANSWER,
    terminate: ["<|prompt|>", "<|answer|>", "</s>"],
    chatSep: "</s>",
    chatTurnSep: "</s>"
  },
  {
    name: "vicuna11",
    value: 24,
    ...VICUNA11,
    canHandleSystemPrompt: true,
    promptA: "{system} ",
    promptB: "{system} ",
    trailingPartialTags: ["</s"]
  },
  {
    name: "mptinstruct",
    value: 25,
    canHandleSystemPrompt: true,
    defaultSystemPrompt: SYSTEM_INSTRUCTION,
    promptA: "{system}\n",
    promptB: "{system}\n",
    preInstruct: "\n### Instruction\n",
    preInput: "\n### Input\n",
    preResponse: "\n### Response\n"
  },
  {name: "mptchat", value: 26, ...MPTCHAT, defaultSystemPrompt: SYSTEM_CONVERSATION},
  {
    name: "falcon",
    value: 27,
    preInstruct: "User: ",
    preResponse: "Assistant:",
    historyPreResponse: "Assistant: ",
    terminate: ["\nUser", "<|endoftext|>"],
    chatSep: "\n\n",
    chatTurnSep: "\n\n"
  },
  {name: "guanaco", value: 28, preInstruct: "### Human: ", preResponse: "### Assistant:", terminate: ["### Human:"]},
  {
    name: "llama2",
    value: 29,
    canHandleSystemPrompt: true,
    defaultSystemPrompt: SYSTEM_LLAMA2,
    systemBlock: "<<SYS>>\n{system}\n<</SYS>>\n\n",
    preInstruct: "<s>[INST] ",
    firstPreInstruct: "<s>[INST] {systemBlock}",
    preResponse: "[/INST]",
    historyPreResponse: "[/INST] ",
    terminate: ["[INST]", "</s>"],
    chatSep: " ",
    chatTurnSep: " </s>",
    humanstr: "[INST]",
    botstr: "[/INST]"
  },
  {
    name: "beluga",
    value: 30,
    canHandleSystemPrompt: true,
    defaultSystemPrompt:
      "You are Stable Beluga, an AI that follows instructions extremely well. Help as much as you can. Remember, be safe, and don't do anything illegal.",
    systemBlock: "### System:\n{system}\n\n",
    promptA: "{systemBlock}",
    promptB: "{systemBlock}",
    preInstruct: "### User:\n",
    preResponse: "\n### Assistant:\n",
    terminate: ["### Assistant:", "</s>"],
    chatTurnSep: "\n\n",
    humanstr: "### User:",
    botstr: "### Assistant:"
  },
  {
    name: "wizard3nospace",
    value: 31,
    promptA: SYSTEM_USER_ASSISTANT,
    promptB: SYSTEM_USER_ASSISTANT,
    preInstruct: "USER: ",
    preResponse: "ASSISTANT:",
    terminate: ["ASSISTANT:"]
  },
  {
    name: "one_shot",
    value: 32,
    promptA: ONE_SHOT_PREAMBLE,
    promptB: ONE_SHOT_PREAMBLE,
    preInstruct: "\n### Human: ",
    preResponse: "\n### Assistant:",
    terminate: ["### Human:", "###  Human:  ", " ###  Human:", "###  Assistant:"],
    trailingPartialTags: ["### Human"]
  },
  {
    name: "falcon_chat",
    value: 33,
    canHandleSystemPrompt: true,
    defaultSystemPrompt: "You are an intelligent and helpful assistant.",
    systemBlock: "System: {system}\n",
    promptA: "{systemBlock}",
    promptB: "{systemBlock}",
    preInstruct: "User: ",
    preResponse: "Falcon:",
    historyPreResponse: "Falcon: ",
    terminate: ["\nUser:", "<|endoftext|>", " User:", "###"]
  },
  {name: "mistral", value: 34, ...MISTRAL, firstPreInstruct: "<s>[INST] "},
  {
    name: "zephyr",
    value: 35,
    canHandleSystemPrompt: true,
    defaultSystemPrompt: SYSTEM_FOLLOWS_INSTRUCTIONS,
    systemBlock: "<|system|>\n{system}</s>\n",
    promptA: "{systemBlock}",
    promptB: "{systemBlock}",
    preInstruct: "<|user|>\n",
    preResponse: "</s>\n<|assistant|>\n",
    terminate: ["<|assistant|>", "</s>"],
    chatSep: "",
    chatTurnSep: "</s>\n",
    humanstr: "<|user|>",
    botstr: "<|assistant|>"
  },
  {name: "xwin", value: 36, ...XWIN, defaultSystemPrompt: SYSTEM_USER_ASSISTANT},
  {name: "mistrallite", value: 37, ...OPEN_ASSISTANT},
  {
    name: "aquila",
    value: 38,
    canHandleSystemPrompt: true,
    defaultSystemPrompt: SYSTEM_HUMAN_ASSISTANT,
    promptA: "{system}###",
    promptB: "{system}###",
    preInstruct: "Human: ",
    preResponse: "Assistant:",
    historyPreResponse: "Assistant: ",
    terminate: AQUILA_TERMINATE,
    chatSep: "###",
    chatTurnSep: "</s>"
  },
  {
    name: "aquila_simple",
    value: 39,
    canHandleSystemPrompt: true,
    defaultSystemPrompt: SYSTEM_HUMAN_ASSISTANT,
    promptA: "{system}",
    promptB: "{system}",
    preInstruct: "###Human: ",
    preResponse: "###Assistant:",
    terminate: AQUILA_TERMINATE,
    chatSep: "",
    chatTurnSep: ""
  },
  {
    name: "aquila_legacy",
    value: 40,
    canHandleSystemPrompt: true,
    defaultSystemPrompt: `${SYSTEM_HUMAN_ASSISTANT}\n\n`,
    promptA: "{system}",
    promptB: "{system}",
    preInstruct: "### Human: ",
    preResponse: "### Assistant: ",
    terminate: ["### Human:", "</s>", "[UNK]"],
    chatTurnSep: "</s>",
    botstr: "### Assistant:"
  },
  {
    name: "aquila_v1",
    value: 41,
    preInstruct: "<|startofpiece|>",
    preResponse: "<|endofpiece|>",
    terminate: ["</s>", "<|endoftext|>"],
    chatSep: "",
    chatTurnSep: "</s>"
  },
  {name: "mistralgerman", value: 42, ...XWIN, defaultSystemPrompt: "Du bist ein hilfreicher"},
  {
    name: "deepseek_coder",
    value: 43,
    canHandleSystemPrompt: true,
    defaultSystemPrompt: SYSTEM_DEEPSEEK_CODER,
    promptA: "{system}",
    promptB: "{system}",
    preInstruct: "### Instruction:\n",
    preResponse: "### Response:\n",
    terminate: ["### Response:\n", "<｜end▁of▁sentence｜>", "<|EOT|>"],
    chatTurnSep: "\n<|EOT|>\n"
  },
  openChat("open_chat", 44, "GPT4 User:", "GPT4 Assistant:"),
  openChat("open_chat_correct", 45, "GPT4 Correct User:", "GPT4 Correct Assistant:"),
  openChat("open_chat_code", 46, "Code User:", "Code Assistant:"),
  {name: "anthropic", value: 47, ...CHAT_API},
  {name: "orca2", value: 48, ...MPTCHAT, defaultSystemPrompt: SYSTEM_ORCA2},
  {
    name: "jais",
    value: 49,
    canHandleSystemPrompt: true,
    defaultSystemPrompt: SYSTEM_JAIS,
    promptA: "### Instruction: {system} [|Human|] and [|AI|]:",
    promptB: "### Instruction: {system} [|Human|] and [|AI|]:",
    preInstruct: "\n### Input: [|Human|] ",
    preResponse: "\n### Response: [|AI|]",
    historyPreResponse: "\n### Response: [|AI|] ",
    terminate: ["\n### Response: [|AI|]", "\n### Input: [|Human|] "],
    chatSep: "",
    chatTurnSep: ""
  },
  {
    name: "yi",
    value: 50,
    canHandleSystemPrompt: true,
    defaultSystemPrompt: SYSTEM_CONVERSATION,
    promptA: "<|im_start|>system\n{system}<|im_end|>",
    promptB: "<|im_start|>system\n{system}<|im_end|>",
    preInstruct: "\n<|im_start|>user\n",
    preResponse: "<|im_end|>\n<|im_start|>assistant\n",
    // fix: h2oGPT writes '<|endotftext|>', which no model emits.
    terminate: ["<|im_end|>", "<|endoftext|>"],
    chatSep: "",
    chatTurnSep: "<|im_end|>"
  },
  {
    name: "xwincoder",
    value: 51,
    canHandleSystemPrompt: true,
    defaultSystemPrompt:
      "You are an AI coding assistant that helps people with programming. Write a response that appropriately completes the user's request.\n",
    promptA: "<system>: {system}\n",
    promptB: "<system>: {system}\n",
    preInstruct: "<user>: ",
    preResponse: "<AI>:",
    historyPreResponse: "<AI>: ",
    terminate: ["<AI>:", "<AI>:", "</s>"]
  },
  {
    name: "xwinmath",
    value: 52,
    ...XWIN,
    defaultSystemPrompt: SYSTEM_USER_ASSISTANT,
    preResponse: "Give your solution in detail. In the end, write your final answer in the format of 'The answer is: <ANSWER>.'. ASSISTANT:",
    historyPreResponse:
      "Give your solution in detail. In the end, write your final answer in the format of 'The answer is: <ANSWER>.'. ASSISTANT: ",
    terminate: [
      "Give your solution in detail. In the end, write your final answer in the format of 'The answer is: <ANSWER>.'. ASSISTANT:",
      "ASSISTANT:",
      "</s>"
    ],
    botstr: "Give your solution in detail. In the end, write your final answer in the format of 'The answer is: <ANSWER>.'. ASSISTANT:"
  },
  {name: "vicuna11nosys", value: 53, ...VICUNA11},
  {
    name: "zephyr0",
    value: 54,
    canHandleSystemPrompt: true,
    defaultSystemPrompt: SYSTEM_FOLLOWS_INSTRUCTIONS,
    systemBlock: "<|system|>\n{system}",
    promptA: "{systemBlock}",
    promptB: "{systemBlock}",
    preInstruct: "</s>\n<|user|>\n",
    preResponse: "</s>\n<|assistant|>\n",
    terminate: ["<|assistant|>", "</s>"],
    chatTurnSep: "</s>\n",
    humanstr: "<|user|>",
    botstr: "<|assistant|>"
  },
  {
    name: "google",
    value: 55,
    ...CHAT_API,
    defaultSystemPrompt: "I am a helpful assistant.  I will accurately answer all your questions."
  },
  {
    name: "docsgpt",
    value: 56,
    // fix: h2oGPT says docsgpt takes a system prompt but never writes it; here it goes in as a first turn.
    preInstruct: "### Instruction\n",
    preResponse: "### Answer\n",
    terminate: ["### Answer", "### Instruction"],
    trailingPartialTags: ["### Inst"]
  },
  openChat("open_chat_math", 57, "Math Correct User:", "Math Correct Assistant:"),
  {name: "mistralai", value: 58, ...CHAT_API},
  {
    name: "mixtral",
    value: 59,
    ...MIXTRAL,
    canHandleSystemPrompt: true,
    defaultSystemPrompt: SYSTEM_FOLLOWS_INSTRUCTIONS,
    systemBlock: "<<SYS>>\n{system}\n<</SYS>>\n\n",
    promptA: "{systemBlock}",
    promptB: "{systemBlock}"
  },
  {name: "mixtralnosys", value: 60, ...MIXTRAL},
  {
    name: "orion",
    value: 61,
    preInstruct: "</s>Human: ",
    firstPreInstruct: "<s>Human: ",
    firstTurnRule: "orion",
    preResponse: "\n\nAssistant: </s>",
    terminate: ["Human:", "</s>", "[UNK]", "Assistant:"],
    chatSep: "",
    chatTurnSep: "",
    humanstr: "<s>Human: "
  },
  {
    name: "sciphi",
    value: 62,
    canHandleSystemPrompt: true,
    defaultSystemPrompt: SYSTEM_CONVERSATION,
    systemBlock: "### System:\n{system}\n\n",
    promptA: "{systemBlock}",
    promptB: "{systemBlock}",
    preInstruct: "### Instruction:\n",
    preResponse: "\n### Response:\n",
    terminate: ["### Response:", "</s>", "### Instruction:"],
    chatTurnSep: "\n\n",
    humanstr: "### Instruction:",
    botstr: "### Response:"
  },
  {
    name: "beacon",
    value: 63,
    preInstruct: "\nQuestion: ",
    preResponse: "\nAnswer:",
    historyPreResponse: "\nAnswer: ",
    terminate: ["Question:", "</s>", "Answer:"],
    chatTurnSep: "\n\n",
    humanstr: "Question:",
    botstr: "Answer:"
  },
  {
    name: "beacon2",
    value: 64,
    preInstruct: "",
    preResponse: "",
    historyPreResponse: " ",
    terminate: ["</s>"],
    chatTurnSep: "\n\n",
    humanstr: "Question:",
    botstr: "Answer:"
  },
  {name: "llava", value: 65, ...NO_FORMAT, chatSep: ""},
  {
    name: "danube",
    value: 66,
    ...PROMPT_ANSWER,
    terminate: ["<|prompt|>", "<|answer|>", "</s>"],
    chatSep: "</s>",
    chatTurnSep: "</s>"
  },
  {
    name: "gemma",
    value: 67,
    canHandleSystemPrompt: true,
    defaultSystemPrompt: "I am Gemma, a conversational chat assistant developed by Google",
    // fix: h2oGPT writes the system prompt before <bos> with no separator; here it opens the first user turn.
    systemBlock: "{system}\n\n",
    preInstruct: "<start_of_turn>user\n",
    firstPreInstruct: "<bos><start_of_turn>user\n{systemBlock}",
    preResponse: "<end_of_turn>\n<start_of_turn>model\n",
    terminate: ["<bos><start_of_turn>user\n", "<end_of_turn>\n<start_of_turn>model\n", "<bos>", "<end_of_turn>"],
    chatSep: "",
    chatTurnSep: "<end_of_turn>\n",
    humanstr: "<bos><start_of_turn>user\n"
  },
  {name: "qwen", value: 68, ...QWEN, terminate: ["<|im_end|>"]},
  {
    name: "sealion",
    value: 69,
    preInstruct: "### USER:\n",
    preResponse: "\n\n### RESPONSE:\n",
    terminate: ["### RESPONSE:", "</s>", "<|endoftext|>"],
    chatTurnSep: "\n\n",
    humanstr: "### USER:",
    botstr: "### RESPONSE:"
  },
  {name: "groq", value: 70, ...CHAT_API},
  {name: "aya", value: 71, ...QWEN, terminate: ["<|im_end|>", "<|im_start|>"]},
  {
    name: "idefics2",
    value: 72,
    canHandleSystemPrompt: true,
    defaultSystemPrompt: SYSTEM_LLAMA2.split("\n\n")[0]!,
    systemBlock: "System: {system}<end_of_utterance>\n",
    promptA: "{systemBlock}",
    promptB: "{systemBlock}",
    preInstruct: "User: ",
    preResponse: "Assistant:",
    historyPreResponse: "Assistant: ",
    terminate: ["User:", "Assistant:"],
    chatSep: "<end_of_utterance>\n",
    chatTurnSep: "<end_of_utterance>\n"
  }
];

/** All 76 prompt types in h2oGPT's enum order. */
export const PROMPT_TYPES: readonly PromptTypeRow[] = ROWS.map(promptTypeRow);

export const PROMPT_TYPES_BY_NAME: ReadonlyMap<string, PromptTypeRow> = new Map(PROMPT_TYPES.map((row) => [row.name, row]));
