/**
 * `h2ogpt-ts/langchain`: h2ogpt-ts as LangChain.js components, in process (no server): a chat model, an LLM,
 * embeddings and a retriever over a document collection. `@langchain/core` (1.x) is an optional peer dependency:
 * only this entry point needs it; the core package (`h2ogpt-ts`) never imports it.
 *
 * The components share engines with the rest of the library: `new ChatH2oGpt({engine})` generates with an engine
 * already loaded for the CLI or a server. Without a model they use the built-in model, as the CLI does.
 * What is not supported (tool calling, structured output through tools): docs/langchain.md.
 *
 * @example
 * import {PromptTemplate} from "@langchain/core/prompts";
 * import {RunnablePassthrough, RunnableSequence} from "@langchain/core/runnables";
 * import {StringOutputParser} from "@langchain/core/output_parsers";
 * import {ChatH2oGpt, H2oGptRetriever} from "h2ogpt-ts/langchain";
 *
 * const retriever = new H2oGptRetriever({persistDirectory: "h2ogpt_db", langchainMode: "UserData", topKDocs: 4});
 * const chain = RunnableSequence.from([
 *   {context: retriever.pipe((docs) => docs.map((doc) => doc.pageContent).join("\n\n")), question: new RunnablePassthrough()},
 *   PromptTemplate.fromTemplate("==\n{context}\n==\n{question}"),
 *   new ChatH2oGpt({maxNewTokens: 256}),
 *   new StringOutputParser()
 * ]);
 * console.log(await chain.invoke("Which scientists are mentioned?"));
 */
export {ChatH2oGpt, toH2oGptMessages, type ChatH2oGptCallOptions, type ChatH2oGptOptions} from "./chat-h2ogpt.js";
export {H2oGpt, type H2oGptCallOptions, type H2oGptOptions} from "./h2ogpt-llm.js";
export {H2oGptEmbeddings, type H2oGptEmbeddingsOptions} from "./h2ogpt-embeddings.js";
export {H2oGptRetriever, type H2oGptDocumentMetadata, type H2oGptRetrieverOptions} from "./h2ogpt-retriever.js";
export type {H2oGptCallFields, H2oGptModelOptions} from "./model-options.js";
