import { z } from 'zod'

/** How a paid tool describes itself to buyers and discovery catalogues (the `bazaar` extension). */
export interface ToolDiscovery {
  /** Example arguments. */
  example?: Record<string, unknown>
  /** An example result, published as `info.output`. */
  output?: { example: unknown }
}

/**
 * The `bazaar` declaration of an MCP tool, in the shape the official `@x402/extensions` MCP
 * helper produces: `info.input` names the tool and its JSON Schema, and `schema` describes `info`
 * so a catalogue can check it.
 */
export function toolBazaarDeclaration(
  toolName: string,
  description: string | undefined,
  inputSchema: Record<string, unknown>,
  transport: 'streamable-http' | 'sse' | undefined,
  discovery: ToolDiscovery,
): Record<string, unknown> {
  const { example, output } = discovery
  return {
    info: {
      input: {
        type: 'mcp',
        toolName,
        ...(description === undefined ? {} : { description }),
        ...(transport === undefined ? {} : { transport }),
        inputSchema,
        ...(example === undefined ? {} : { example }),
      },
      ...(output === undefined ? {} : { output: { type: 'json', example: output.example } }),
    },
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        input: {
          type: 'object',
          properties: {
            type: { type: 'string', const: 'mcp' },
            toolName: { type: 'string' },
            ...(description === undefined ? {} : { description: { type: 'string' } }),
            ...(transport === undefined
              ? {}
              : { transport: { type: 'string', enum: [transport] } }),
            inputSchema: { type: 'object' },
            ...(example === undefined ? {} : { example: { type: 'object' } }),
          },
          required: ['type', 'toolName', 'inputSchema'],
          additionalProperties: false,
        },
        ...(output === undefined
          ? {}
          : { output: { type: 'object', properties: { type: { type: 'string' } } } }),
      },
      required: ['input'],
    },
  }
}

/**
 * The JSON Schema of a tool's arguments, from the zod shape or schema given to `registerTool`.
 * A schema zod cannot express (a transform, a custom check) is published as a bare object schema.
 */
export function inputJsonSchema(inputSchema: unknown): Record<string, unknown> {
  if (inputSchema === undefined) return { type: 'object', properties: {} }
  try {
    const schema =
      inputSchema instanceof z.ZodType
        ? inputSchema
        : z.object(inputSchema as Record<string, z.ZodType>)
    const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io: 'input' })
    return json
  } catch {
    return { type: 'object' }
  }
}
