import { describe, expect, it } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import DeclarationForm from '@/components/DeclarationForm.vue'
import type { FormField, FormValues } from '@/forms/rules'
import catalog from '../../services/intake/intake/demo_catalog.json'

const FIELDS: FormField[] = [
  { name: 'site', label: '建设地点', type: 'text', required: true, max_length: 10 },
  { name: 'content', label: '建设规模及内容', type: 'text', max_length: 2000 },
  { name: 'phone', label: '联系电话', type: 'text', required: true, pattern: '1\\d{10}' },
  { name: 'area', label: '总建筑面积（平方米）', type: 'number', required: true, min: 0 },
  { name: 'floors', label: '层数', type: 'integer', min: 1, max: 100 },
  { name: 'start', label: '计划开工日期', type: 'date' },
  { name: 'emergency', label: '是否应急工程', type: 'boolean', required: true },
  { name: 'funding', label: '资金来源', type: 'choice', choices: ['财政资金', '其他'] },
]

async function render(fields: FormField[] = FIELDS, values: FormValues = {}, serverErrors: Record<string, string> = {}) {
  const state = { values }
  const wrapper = mount(DeclarationForm, {
    props: {
      fields, modelValue: values, serverErrors,
      'onUpdate:modelValue': (v: FormValues) => { state.values = v; wrapper.setProps({ modelValue: v }) },
    },
    global: { plugins: [ElementPlus] },
    attachTo: document.body,
  })
  await flushPromises()
  return { wrapper, state }
}

describe('DeclarationForm', () => {
  it('renders one labelled control per field type, the label tied to its control', async () => {
    const { wrapper } = await render()
    for (const field of FIELDS) {
      const label = wrapper.find(`label[for="form-${field.name}"]`)
      expect(label.exists(), field.name).toBe(true)
      expect(label.text()).toContain(field.label)
      expect(document.getElementById(`form-${field.name}`), field.name).not.toBeNull()
    }
    expect(wrapper.find('#form-content').element.tagName).toBe('TEXTAREA')      // long text
    expect(wrapper.find('#form-site').element.tagName).toBe('INPUT')
    expect(wrapper.find('#form-area').attributes('inputmode')).toBe('decimal')
    expect(wrapper.find('#form-floors').attributes('inputmode')).toBe('numeric')
    expect(wrapper.findAll('.field-boolean .el-radio').map((r) => r.text())).toEqual(['是', '否'])
    expect(wrapper.find('.field-boolean [role="radiogroup"]').attributes('aria-labelledby')).toBe('form-emergency-label')
    expect(wrapper.find('#form-floors-hint').text()).toBe('整数，1 至 100')
    expect(wrapper.find('#form-site').attributes('aria-required')).toBe('true')
    expect(wrapper.find('#form-floors').attributes('aria-describedby')).toBe('form-floors-hint')
    wrapper.unmount()
  })

  it('validate() names every required field left empty, in Chinese, and refuses the form', async () => {
    const { wrapper } = await render()
    const ok = await (wrapper.vm as unknown as { validate: () => Promise<boolean> }).validate()
    await flushPromises()
    expect(ok).toBe(false)
    const text = wrapper.text()
    expect(text).toContain('建设地点为必填项')
    expect(text).toContain('联系电话为必填项')
    expect(text).toContain('总建筑面积（平方米）为必填项')
    expect(text).toContain('是否应急工程为必填项')
    expect(text).not.toContain('层数为必填项')
    expect(wrapper.find('#form-site').attributes('aria-describedby')).toBe('form-site-hint form-site-error')
    expect(wrapper.find('#form-site-error').attributes('role')).toBe('alert')
    wrapper.unmount()
  })

  it('a draft check lets required fields stay empty but not wrong values', async () => {
    const { wrapper } = await render(FIELDS, { floors: 0 })
    const ok = await (wrapper.vm as unknown as { validate: (c?: boolean) => Promise<boolean> }).validate(false)
    await flushPromises()
    expect(ok).toBe(false)
    expect(wrapper.text()).toContain('层数不能小于 1')
    expect(wrapper.text()).not.toContain('为必填项')
    wrapper.unmount()
  })

  it('typing turns numbers into numbers, keeps text that is not a number for its message, and checks on leaving', async () => {
    const { wrapper, state } = await render()
    const area = wrapper.find('#form-area')
    await area.setValue('1250.5')
    expect(state.values.area).toBe(1250.5)
    await area.setValue('12 平方米')
    await area.trigger('blur')
    await flushPromises()
    expect(state.values.area).toBe('12 平方米')
    expect(wrapper.text()).toContain('总建筑面积（平方米）应为数字')
    await area.setValue('-3')
    await flushPromises()
    expect(wrapper.text()).toContain('总建筑面积（平方米）不能小于 0')
    const floors = wrapper.find('#form-floors')
    await floors.setValue('2.5')
    await floors.trigger('blur')
    await flushPromises()
    expect(wrapper.text()).toContain('层数应为整数')
    const phone = wrapper.find('#form-phone')
    await phone.setValue('0391-123')
    await phone.trigger('blur')
    await flushPromises()
    expect(wrapper.text()).toContain('联系电话格式不正确')
    const site = wrapper.find('#form-site')
    await site.setValue('焦作市山阳区焦作市山阳区')
    await site.trigger('blur')
    await flushPromises()
    expect(wrapper.text()).toContain('建设地点不能超过 10 个字')
    wrapper.unmount()
  })

  it('boolean and choice values are sent as their JSON values; clearing removes the field', async () => {
    const { wrapper, state } = await render()
    await wrapper.findAll('.field-boolean input[type="radio"]')[1].setValue(true)
    expect(state.values.emergency).toBe(false)
    await wrapper.findAll('.field-boolean input[type="radio"]')[0].setValue(true)
    expect(state.values.emergency).toBe(true)
    await wrapper.find('#form-site').setValue('山阳区')
    expect(state.values.site).toBe('山阳区')
    await wrapper.find('#form-site').setValue('')
    expect('site' in state.values).toBe(false)
    wrapper.unmount()
  })

  it('a complete, valid form passes; dates and choices given as values are accepted', async () => {
    const values = { site: '山阳区', phone: '13912345678', area: 100, floors: 3, start: '2027-03-01', emergency: false, funding: '其他' }
    const { wrapper } = await render(FIELDS, values)
    expect((wrapper.find('#form-start').element as HTMLInputElement).value).toBe('2027-03-01')
    expect(await (wrapper.vm as unknown as { validate: () => Promise<boolean> }).validate()).toBe(true)
    await flushPromises()
    expect(wrapper.findAll('.el-form-item__error')).toHaveLength(0)
    wrapper.unmount()
  })

  it('shows the service\'s messages until the field is changed', async () => {
    const { wrapper } = await render(FIELDS, { site: '山阳区' }, { site: '建设地点格式不正确（服务端）' })
    expect(wrapper.text()).toContain('建设地点格式不正确（服务端）')
    await wrapper.find('#form-site').setValue('解放区')
    await flushPromises()
    expect(wrapper.text()).not.toContain('（服务端）')
    wrapper.unmount()
  })

  it('renders every stage form of the demo catalog, each field with its label', async () => {
    const categories = (catalog as unknown as { categories: { stages: { form?: FormField[] }[] }[] }).categories
    const stages = categories.flatMap((c) => c.stages).filter((s) => (s.form ?? []).length)
    expect(stages.length).toBeGreaterThan(0)
    for (const stage of stages) {
      const fields = stage.form as FormField[]
      const { wrapper } = await render(fields)
      for (const field of fields) expect(wrapper.find(`label[for="form-${field.name}"]`).text()).toContain(field.label)
      wrapper.unmount()
    }
  })

  it('says so when a stage has no form', async () => {
    const { wrapper } = await render([])
    expect(wrapper.text()).toContain('本阶段没有规定申请表字段')
    wrapper.unmount()
  })
})
