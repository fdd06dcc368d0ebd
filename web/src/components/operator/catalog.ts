/**
 * A served catalog version's parts, typed as the catalog's input schemas: GET /catalog answers the
 * catalog as it was loaded through PUT /catalog (CatalogIn), plus its version, digest and load time.
 */
import type { Schemas } from '@/api/client'

export type Catalog = Schemas['CatalogVersionOut']
export type Category = Schemas['CategoryIn']
export type Stage = Schemas['StageIn']
export type Item = Schemas['ItemIn'] & { faq?: { question: string; answer: string }[]; common_errors?: string[] }
export type Department = Schemas['DepartmentIn']

export function categoriesOf(catalog: Catalog | null | undefined): Category[] {
  return (catalog?.categories ?? []) as unknown as Category[]
}

export function departmentsOf(catalog: Catalog | null | undefined): Department[] {
  return (catalog?.departments ?? []) as unknown as Department[]
}

export function departmentName(catalog: Catalog | null | undefined, code: string | undefined): string {
  const found = departmentsOf(catalog).find((d) => d.code === code)
  return found ? found.name : code ?? '—'
}
