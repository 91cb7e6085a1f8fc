/**
 * JSON schemas pydantic 2 emits (`model_json_schema()`) for the models of pydantic-ai's
 * tests/models/test_model_test.py json-schema tests, kept as data since TypeScript has no pydantic.
 */

export const testDataSchema: Record<string, unknown> = {
  "$defs": {
    "NestedModel": {
      "properties": {
        "foo": {
          "title": "Foo",
          "type": "string"
        },
        "bar": {
          "title": "Bar",
          "type": "integer"
        }
      },
      "required": [
        "foo",
        "bar"
      ],
      "title": "NestedModel",
      "type": "object"
    }
  },
  "properties": {
    "my_str": {
      "title": "My Str",
      "type": "string"
    },
    "my_str_long": {
      "minLength": 10,
      "title": "My Str Long",
      "type": "string"
    },
    "my_str_short": {
      "maxLength": 1,
      "title": "My Str Short",
      "type": "string"
    },
    "my_int": {
      "title": "My Int",
      "type": "integer"
    },
    "my_int_gt": {
      "exclusiveMinimum": 5,
      "title": "My Int Gt",
      "type": "integer"
    },
    "my_int_ge": {
      "minimum": 5,
      "title": "My Int Ge",
      "type": "integer"
    },
    "my_int_lt": {
      "exclusiveMaximum": -5,
      "title": "My Int Lt",
      "type": "integer"
    },
    "my_int_le": {
      "maximum": -5,
      "title": "My Int Le",
      "type": "integer"
    },
    "my_int_range": {
      "exclusiveMaximum": 15,
      "exclusiveMinimum": 5,
      "title": "My Int Range",
      "type": "integer"
    },
    "my_float": {
      "title": "My Float",
      "type": "number"
    },
    "my_float_gt": {
      "exclusiveMinimum": 5.0,
      "title": "My Float Gt",
      "type": "number"
    },
    "my_float_lt": {
      "exclusiveMaximum": -5.0,
      "title": "My Float Lt",
      "type": "number"
    },
    "my_bool": {
      "title": "My Bool",
      "type": "boolean"
    },
    "my_bytes": {
      "format": "binary",
      "title": "My Bytes",
      "type": "string"
    },
    "my_fixed_tuple": {
      "maxItems": 2,
      "minItems": 2,
      "prefixItems": [
        {
          "type": "integer"
        },
        {
          "type": "string"
        }
      ],
      "title": "My Fixed Tuple",
      "type": "array"
    },
    "my_var_tuple": {
      "items": {
        "type": "integer"
      },
      "title": "My Var Tuple",
      "type": "array"
    },
    "my_list": {
      "items": {
        "type": "string"
      },
      "title": "My List",
      "type": "array"
    },
    "my_dict": {
      "additionalProperties": {
        "type": "integer"
      },
      "title": "My Dict",
      "type": "object"
    },
    "my_set": {
      "items": {
        "type": "string"
      },
      "title": "My Set",
      "type": "array",
      "uniqueItems": true
    },
    "my_set_min_len": {
      "items": {
        "type": "string"
      },
      "minItems": 5,
      "title": "My Set Min Len",
      "type": "array",
      "uniqueItems": true
    },
    "my_list_min_len": {
      "items": {
        "type": "string"
      },
      "minItems": 5,
      "title": "My List Min Len",
      "type": "array"
    },
    "my_lit_int": {
      "const": 1,
      "title": "My Lit Int",
      "type": "integer"
    },
    "my_lit_ints": {
      "enum": [
        1,
        2,
        3
      ],
      "title": "My Lit Ints",
      "type": "integer"
    },
    "my_lit_str": {
      "const": "a",
      "title": "My Lit Str",
      "type": "string"
    },
    "my_lit_strs": {
      "enum": [
        "a",
        "b",
        "c"
      ],
      "title": "My Lit Strs",
      "type": "string"
    },
    "my_any": {
      "title": "My Any"
    },
    "nested": {
      "$ref": "#/$defs/NestedModel"
    },
    "union": {
      "anyOf": [
        {
          "type": "integer"
        },
        {
          "items": {
            "type": "integer"
          },
          "type": "array"
        }
      ],
      "title": "Union"
    },
    "optional": {
      "anyOf": [
        {
          "type": "string"
        },
        {
          "type": "null"
        }
      ],
      "title": "Optional"
    },
    "with_example": {
      "examples": [
        1234
      ],
      "title": "With Example",
      "type": "integer"
    },
    "max_len_zero": {
      "maxLength": 0,
      "title": "Max Len Zero",
      "type": "string"
    },
    "is_null": {
      "title": "Is Null",
      "type": "null"
    },
    "not_required": {
      "default": "default",
      "title": "Not Required",
      "type": "string"
    }
  },
  "required": [
    "my_str",
    "my_str_long",
    "my_str_short",
    "my_int",
    "my_int_gt",
    "my_int_ge",
    "my_int_lt",
    "my_int_le",
    "my_int_range",
    "my_float",
    "my_float_gt",
    "my_float_lt",
    "my_bool",
    "my_bytes",
    "my_fixed_tuple",
    "my_var_tuple",
    "my_list",
    "my_dict",
    "my_set",
    "my_set_min_len",
    "my_list_min_len",
    "my_lit_int",
    "my_lit_ints",
    "my_lit_str",
    "my_lit_strs",
    "my_any",
    "nested",
    "union",
    "optional",
    "with_example",
    "max_len_zero",
    "is_null"
  ],
  "title": "TestModel",
  "type": "object"
};

export const additionalSchema: Record<string, unknown> = {
  "additionalProperties": true,
  "properties": {
    "x": {
      "title": "X",
      "type": "integer"
    },
    "additionalProperty": {
      "title": "Additionalproperty",
      "type": "string"
    }
  },
  "required": [
    "x",
    "additionalProperty"
  ],
  "title": "TM2",
  "type": "object"
};

export const equalInclusiveBoundsSchema: Record<string, unknown> = {
  "properties": {
    "my_int_eq": {
      "maximum": 7,
      "minimum": 7,
      "title": "My Int Eq",
      "type": "integer"
    },
    "my_float_eq": {
      "maximum": 7.5,
      "minimum": 7.5,
      "title": "My Float Eq",
      "type": "number"
    }
  },
  "required": [
    "my_int_eq",
    "my_float_eq"
  ],
  "title": "TM3",
  "type": "object"
};

export const charsWrapSchema: Record<string, unknown> = {
  "properties": {
    "a": {
      "items": {
        "type": "string"
      },
      "minItems": 4,
      "title": "A",
      "type": "array",
      "uniqueItems": true
    }
  },
  "required": [
    "a"
  ],
  "title": "TM4",
  "type": "object"
};
