import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import { createMemoryHistory, createRouter } from 'vue-router'
import catalog from '../../services/intake/intake/demo_catalog.json'

/** The gateway's answers, held until the test lets each one go. */
interface Held { body: { category: string }; answer: (guide: object) => void }

function guideOf(category: string, name: string) {
  return { category: { code: category, name }, stages: [], total_limit_days: 0, overall_limit_days: 59 }
}

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } })
}

afterEach(() => {
  vi.unstubAllGlobals()
  vi.resetModules()
})

describe('GuidePage', () => {
  it('shows only the flowchart of the category on screen, whenever an earlier category\'s answer arrives', async () => {
    const previews: Held[] = []
    vi.stubGlobal('fetch', vi.fn(async (request: Request) => {
      const path = new URL(request.url).pathname
      if (path === '/catalog') return json(catalog)
      if (path === '/guides/preview') {
        const body = await request.json()
        return new Promise<Response>((resolve) => previews.push({ body, answer: (guide) => resolve(json(guide)) }))
      }
      return new Response(null, { status: 404 })
    }))
    // the client reads `fetch` when it is made, so the page is imported after the stub
    const { default: GuidePage } = await import('@/pages/public/GuidePage.vue')
    const router = createRouter({ history: createMemoryHistory(),
      routes: [{ path: '/guides/:category', component: GuidePage },
        { path: '/guides/:category/items/:item', component: GuidePage }] })
    await router.push('/guides/gov_building')
    const wrapper = mount({ template: '<router-view />' }, { global: { plugins: [ElementPlus, router] } })
    await flushPromises()
    expect(previews.map((p) => p.body.category)).toEqual(['gov_building'])

    await router.push('/guides/gov_linear')   // another category before the first chart came
    await flushPromises()
    expect(previews.map((p) => p.body.category)).toEqual(['gov_building', 'gov_linear'])

    previews[0].answer(guideOf('gov_building', '政府投资房屋建筑类'))   // the first category's, while the second's is awaited
    await flushPromises()
    expect(wrapper.find('figcaption').exists()).toBe(false)
    previews[1].answer(guideOf('gov_linear', '政府投资线性工程类'))
    await flushPromises()

    const caption = wrapper.find('figcaption')
    expect(caption.text()).toContain('政府投资线性工程类')
    expect(caption.text()).not.toContain('政府投资房屋建筑类')
    wrapper.unmount()
  })
})
