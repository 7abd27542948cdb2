// Names and places of the seeds' markets (German, Italian, English; SPEC U6) for demo and
// benchmark data that looks like a real CRM's.

export type MarketCode = 'de' | 'it' | 'en';

export interface Market {
  code: MarketCode;
  country: string;
  phonePrefix: string;
  timeZone: string;
  maleNames: readonly string[];
  femaleNames: readonly string[];
  familyNames: readonly string[];
  streets: readonly string[];
  /** [postal code, city, region] */
  cities: readonly (readonly [string, string, string])[];
  companySuffixes: readonly string[];
  companyStems: readonly string[];
  mailDomains: readonly string[];
  tld: string;
  /** "Street 12" or "12 Street" */
  numberFirst: boolean;
}

export const MARKETS: Readonly<Record<MarketCode, Market>> = {
  de: {
    code: 'de', country: 'Deutschland', phonePrefix: '+49', timeZone: 'Europe/Berlin',
    maleNames: ['Lukas', 'Jonas', 'Felix', 'Maximilian', 'Paul', 'Stefan', 'Thomas', 'Michael', 'Andreas', 'Jürgen', 'Klaus', 'Tobias'],
    femaleNames: ['Anna', 'Laura', 'Julia', 'Sophie', 'Katrin', 'Sabine', 'Petra', 'Claudia', 'Monika', 'Lena', 'Miriam', 'Ursula'],
    familyNames: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Koch', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Braun', 'Zimmermann', 'Krüger', 'Hartmann'],
    streets: ['Hauptstraße', 'Bahnhofstraße', 'Lindenweg', 'Schillerstraße', 'Goethestraße', 'Gartenstraße', 'Kirchplatz', 'Am Markt', 'Rosenweg', 'Friedrichstraße'],
    cities: [['10115', 'Berlin', 'Berlin'], ['80331', 'München', 'Bayern'], ['20095', 'Hamburg', 'Hamburg'], ['50667', 'Köln', 'Nordrhein-Westfalen'], ['60311', 'Frankfurt am Main', 'Hessen'], ['70173', 'Stuttgart', 'Baden-Württemberg'], ['04109', 'Leipzig', 'Sachsen'], ['33602', 'Bielefeld', 'Nordrhein-Westfalen'], ['90402', 'Nürnberg', 'Bayern']],
    companySuffixes: ['GmbH', 'AG', 'GmbH & Co. KG', 'KG', 'e.K.'],
    companyStems: ['Immobilien', 'Hausverwaltung', 'Bau', 'Finanz', 'Wohnbau', 'Makler', 'Projektentwicklung', 'Grundbesitz'],
    mailDomains: ['web.de', 'gmx.de', 't-online.de', 'posteo.de'], tld: 'de', numberFirst: false,
  },
  it: {
    code: 'it', country: 'Italia', phonePrefix: '+39', timeZone: 'Europe/Rome',
    maleNames: ['Marco', 'Luca', 'Giuseppe', 'Alessandro', 'Francesco', 'Matteo', 'Lorenzo', 'Davide', 'Stefano', 'Giovanni'],
    femaleNames: ['Giulia', 'Francesca', 'Chiara', 'Sara', 'Valentina', 'Alessia', 'Martina', 'Elena', 'Federica', 'Silvia'],
    familyNames: ['Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco', 'Bruno', 'Gallo', 'Conti', 'De Luca', 'Costa', 'Giordano'],
    streets: ['Via Roma', 'Via Garibaldi', 'Corso Italia', 'Via Mazzini', 'Via Dante', 'Piazza del Duomo', 'Via Verdi', 'Viale Europa'],
    cities: [['00184', 'Roma', 'Lazio'], ['20121', 'Milano', 'Lombardia'], ['10121', 'Torino', 'Piemonte'], ['50123', 'Firenze', 'Toscana'], ['40121', 'Bologna', 'Emilia-Romagna'], ['80133', 'Napoli', 'Campania'], ['39100', 'Bolzano', 'Trentino-Alto Adige']],
    companySuffixes: ['S.r.l.', 'S.p.A.', 'S.a.s.', 'S.n.c.'],
    companyStems: ['Immobiliare', 'Costruzioni', 'Agenzia Casa', 'Gestioni', 'Edilizia', 'Consulenza'],
    mailDomains: ['libero.it', 'gmail.com', 'virgilio.it', 'alice.it'], tld: 'it', numberFirst: false,
  },
  en: {
    code: 'en', country: 'United Kingdom', phonePrefix: '+44', timeZone: 'Europe/London',
    maleNames: ['James', 'Oliver', 'George', 'Harry', 'William', 'Jack', 'Thomas', 'Daniel', 'Samuel', 'Edward'],
    femaleNames: ['Olivia', 'Amelia', 'Emily', 'Charlotte', 'Sophie', 'Grace', 'Hannah', 'Lucy', 'Emma', 'Jessica'],
    familyNames: ['Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Robinson', 'Wright', 'Thompson', 'Evans', 'Walker', 'White'],
    streets: ['High Street', 'Station Road', 'Church Lane', 'Victoria Road', 'Park Avenue', 'Mill Lane', 'King Street', 'Queen\'s Road'],
    cities: [['EC1A 1BB', 'London', 'Greater London'], ['M1 1AE', 'Manchester', 'Greater Manchester'], ['B1 1AA', 'Birmingham', 'West Midlands'], ['LS1 4AP', 'Leeds', 'West Yorkshire'], ['BS1 4DJ', 'Bristol', 'Bristol'], ['EH1 1YZ', 'Edinburgh', 'Scotland']],
    companySuffixes: ['Ltd', 'plc', 'LLP', '& Partners Ltd'],
    companyStems: ['Estates', 'Property Group', 'Lettings', 'Homes', 'Surveyors', 'Developments'],
    mailDomains: ['gmail.com', 'outlook.com', 'btinternet.com', 'yahoo.co.uk'], tld: 'co.uk', numberFirst: true,
  },
};

/** The demo's markets and their weights: a German-Italian CRM with some English contacts. */
export const MARKET_MIX: readonly MarketCode[] = ['de', 'de', 'de', 'de', 'it', 'it', 'it', 'en', 'en'];

/** Lower-case ASCII for e-mail addresses and domains: "Müller" → "mueller", "De Luca" → "deluca". */
export function asciiSlug(s: string): string {
  return s.toLowerCase()
    .replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue').replace(/ß/g, 'ss')
    .normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '');
}
