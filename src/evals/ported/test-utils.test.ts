/**
 * Ported from pydantic-ai tests/evals/test_utils.py: the task-naming tests
 * (`get_unwrapped_function_name`), checked through the report name that rehearse derives from the
 * task. The rest test Python internals (event loops, `UNSET`, task groups) with no counterpart.
 */
import { describe, expect, it } from 'vitest';
import { Case } from '../case.js';
import { Dataset } from '../dataset.js';

const dataset = () => new Dataset<number, number>({ cases: [new Case({ name: 'one', inputs: 1 })] });

describe('ported from pydantic-ai tests/evals/test_utils.py', () => {
  it('test_get_unwrapped_function_name_basic', async () => {
    function test_func(x: number) {
      return x;
    }
    expect((await dataset().evaluate(test_func)).name).toBe('test_func');
  });

  it('test_get_unwrapped_function_name_partial: a partial application is named after its function', async () => {
    function test_func(y: number, x: number) {
      return x + y;
    }
    // functools.partial(test_func, y=42) is test_func.bind(null, 42) in JavaScript
    const report = await dataset().evaluate(test_func.bind(null, 42));
    expect(report.name).toBe('test_func');
    expect(report.cases[0]!.output).toBe(43);
  });

  // test_get_unwrapped_function_name_decorated: skipped, JavaScript has no functools.wraps
  // test_get_unwrapped_function_name_callable_class: skipped, JavaScript has no callable instances

  it('test_get_unwrapped_function_name_method: a bound method is named after the method', async () => {
    class A {
      constructor(private readonly k: number) {}
      test_method(x: number) {
        return x * this.k;
      }
    }
    const a = new A(3);
    const report = await dataset().evaluate(a.test_method.bind(a));
    expect(report.name).toBe('test_method');
    expect(report.cases[0]!.output).toBe(3);
  });

  it('test_get_unwrapped_function_name_error: a function without a name falls back to "task"', async () => {
    // pydantic-evals raises for an object with no name; every JavaScript task is a function, so rehearse names it 'task'
    const anonymous = [(x: number) => x][0]!;
    expect(anonymous.name).toBe('');
    expect((await dataset().evaluate(anonymous)).name).toBe('task');
  });

  // test_run_until_complete_*, test_unset, test_is_set, test_task_group_gather*: skipped, Python internals
});
