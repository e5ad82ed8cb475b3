import {chooseSystemPlacement, renderChatTemplate, templateMessages, type ChatMessage, type ChatTemplate} from "./chat-template.js";
import {ChatTemplateError} from "./prompt-errors.js";

/**
 * A conversation ending with the assistant's answer, rendered with a chat template: `prompt` is the template
 * with the generation prompt and without the answer, `text` the whole conversation. The system prompt goes
 * where the prompt put it (as a system message or a first exchange). A template that renders the answer in a
 * way that does not extend the prompt cannot give a training row with a clean label boundary: that is an error.
 */
export function renderTemplateConversation(options: {
  readonly chatTemplate: ChatTemplate;
  readonly systemPrompt: string;
  readonly turns: readonly ChatMessage[];
}): {readonly text: string; readonly prompt: string} {
  const {chatTemplate, systemPrompt, turns} = options;
  const placement = chooseSystemPlacement({chatTemplate, systemPrompt, turns: turns.slice(0, -1)});
  const text = renderChatTemplate({
    chatTemplate,
    messages: templateMessages(systemPrompt, turns, placement.fakeSystemTurn),
    addGenerationPrompt: false
  });
  if (!text.startsWith(placement.text))
    throw new ChatTemplateError(
      chatTemplate.source ?? "(inline)",
      "renders the conversation with its answer differently from the prompt before it, so the answer cannot be separated"
    );
  return {text, prompt: placement.text};
}
