import {describe, expect, it} from "vitest";
import {UsageError} from "../errors/index.js";
import {parseInferenceServer} from "./inference-server.js";

describe("parseInferenceServer (h2oGPT's --inference_server syntax)", () => {
  const env = {OPENAI_API_KEY: "sk-test"};

  it.each([
    ["vllm:0.0.0.0:5000", {kind: "vllm", endpoint: "completions", baseUrl: "http://0.0.0.0:5000/v1", apiKey: undefined}],
    ["vllm_chat:10.0.0.2:8000", {kind: "vllm", endpoint: "chat", baseUrl: "http://10.0.0.2:8000/v1"}],
    ["vllm:host:5000:/v1:sekret", {baseUrl: "http://host:5000/v1", apiKey: "sekret"}],
    ["vllm:https://gpt.example.com:443/v1", {baseUrl: "https://gpt.example.com:443/v1"}],
    ["vllm:http://127.0.0.1:8080", {baseUrl: "http://127.0.0.1:8080"}],
    ["http://127.0.0.1:8080", {kind: "http", endpoint: "completions", baseUrl: "http://127.0.0.1:8080/v1"}],
    ["https://llm.example.com/api/v1/", {kind: "http", baseUrl: "https://llm.example.com/api/v1"}],
    ["openai", {kind: "openai", endpoint: "completions", baseUrl: "https://api.openai.com/v1", apiKey: "sk-test"}],
    ["openai_chat", {kind: "openai", endpoint: "chat", baseUrl: "https://api.openai.com/v1"}],
    ["openai_chat:None:proxy.example.com/v1:None:sk-other", {baseUrl: "https://proxy.example.com/v1", apiKey: "sk-other"}]
  ])("%s", (spec, expected) => {
    expect(parseInferenceServer(spec, env)).toMatchObject(expected);
  });

  it("takes OPENAI_BASE_URL for openai when set", () => {
    expect(parseInferenceServer("openai_chat", {...env, OPENAI_BASE_URL: "http://localhost:9/v1/"}).baseUrl).toBe("http://localhost:9/v1");
  });

  it("rejects unknown forms, a missing host and a missing OpenAI key with a UsageError", () => {
    expect(() => parseInferenceServer("tgi:1.2.3.4", env)).toThrow(UsageError);
    expect(() => parseInferenceServer("tgi:1.2.3.4", env)).toThrow("expected vllm:HOST:PORT");
    expect(() => parseInferenceServer("vllm:", env)).toThrow("expected vllm:HOST:PORT");
    expect(() => parseInferenceServer("openai", {})).toThrow("set OPENAI_API_KEY");
    expect(() => parseInferenceServer("openai_azure:x", env)).toThrow(UsageError);
  });
});
