// Issue 9's operator console in the browser: routing configs are validated (a layer the model
// does not have and NaN-like input are refused with the server's message), saving a name again
// makes its next version, and a retrain with no eligible data is refused with a clear message on
// the model registry page. (The whole feedback loop runs in packages/runner/src/retrain/loop.test.ts.)
import { expect, test } from '@playwright/test';
import { signInAs } from './helpers';

test('operator: routing configs are validated and versioned; retrain without data is refused', async ({
  page,
}) => {
  // our alerts (Next's route announcer is an empty role=alert too)
  const alert = () => page.getByRole('alert').filter({ hasText: /\S/ });
  await signInAs(page, 'operator');
  await page.goto('/generation/routing');
  const form = page.getByRole('form', { name: 'New routing config' });
  await form.getByLabel('Name').fill('wide');
  await form.getByLabel('Parameters').fill('{ "layers": [0, 7], "beta": 4 }');
  await form.getByRole('button', { name: 'Save version' }).click();
  await expect(alert()).toContainText('routing layers 0,7 must be < depth 4');
  await form.getByLabel('Parameters').fill('{ "threshold": 2 }');
  await form.getByRole('button', { name: 'Save version' }).click();
  // the part of the parameters that is wrong is named at the Parameters field
  await expect(form.getByTestId('field-error')).toContainText('threshold');
  await form.getByLabel('Parameters').fill('{ "layers": [2, 3], "beta": 4 }');
  await form.getByRole('button', { name: 'Save version' }).click();
  await expect(page.getByTestId('routing-config-row')).toHaveCount(1);
  await form.getByLabel('Parameters').fill('{ "layers": [3], "beta": 8 }');
  await form.getByRole('button', { name: 'Save version' }).click();
  await expect(page.getByTestId('routing-config-row')).toHaveCount(2);
  await expect(page.getByTestId('routing-configs')).toContainText('v2');

  await page.goto('/models');
  // the shipped MUSAR adapter shows the quality its card records (docs/results.md)
  await expect(
    page.locator('[data-testid="model-row"][data-name="musar"]').getByTestId('held-out'),
  ).toContainText(/held-out two-subject \(100 items\): fidelity 0\.\d\d · leakage 0\.\d\d/);
  await page.getByTestId('retrain').click();
  await expect(alert()).toContainText('No eligible data to retrain on');
});
