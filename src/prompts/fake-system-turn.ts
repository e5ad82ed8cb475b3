/**
 * h2oGPT's user_prompt_for_fake_system_prompt: a format without a place for a system prompt gets it as the
 * answer to this question, in a first exchange before the history (gen.py get_limited_prompt).
 */
export const FAKE_SYSTEM_TURN_USER = "Who are you and what do you do?";
