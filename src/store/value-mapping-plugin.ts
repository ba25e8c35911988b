/** A Kysely plugin that maps every bound parameter value of a query (used for booleans and text checks). */
import {
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from 'kysely';

/** Maps one parameter value; may throw to refuse the query before it reaches the database. */
export type ValueMapper = (value: unknown) => unknown;

class ValueMappingTransformer extends OperationNodeTransformer {
  readonly #map: ValueMapper;

  constructor(map: ValueMapper) {
    super();
    this.#map = map;
  }

  protected override transformValue(node: ValueNode): ValueNode {
    return Object.freeze({ ...node, value: this.#map(node.value) });
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    return Object.freeze({ ...node, values: Object.freeze(node.values.map((value) => this.#map(value))) });
  }
}

/** Creates a plugin applying `map` to every value a query binds (WHERE, SET, VALUES, raw `sql` values). */
export function valueMappingPlugin(map: ValueMapper): KyselyPlugin {
  const transformer = new ValueMappingTransformer(map);
  return {
    transformQuery: (args: PluginTransformQueryArgs): RootOperationNode => transformer.transformNode(args.node),
    transformResult: async (args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => args.result,
  };
}
