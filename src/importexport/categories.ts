/**
 * The CRM's contact categories. On import a vCard CATEGORIES value equal to one of them becomes
 * the contact's category, the other values its tags; on export the category is written back
 * first, so a round trip keeps both apart.
 */
export const CONTACT_CATEGORIES = ['customer', 'prospect', 'broker', 'supplier'] as const;
