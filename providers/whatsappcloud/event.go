package whatsappcloud

import "github.com/switchboard/switchboard/providers/meta"

// notification is the body of a WhatsApp Business Account webhook
// (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages):
// a batch of entries, one per business account, each with changes.
type notification struct {
	Object string  `json:"object"`
	Entry  []entry `json:"entry"`
}

type entry struct {
	ID      meta.StringNumber `json:"id"`
	Changes []change          `json:"changes"`
}

// change is one field's change; "messages" carries messages and statuses.
type change struct {
	Field string `json:"field"`
	Value value  `json:"value"`
}

// value is the events of one business number.
type value struct {
	MessagingProduct string    `json:"messaging_product"`
	Metadata         metadata  `json:"metadata"`
	Contacts         []contact `json:"contacts"`
	Messages         []message `json:"messages"`
	Statuses         []status  `json:"statuses"`
}

type metadata struct {
	DisplayPhoneNumber string            `json:"display_phone_number"`
	PhoneNumberID      meta.StringNumber `json:"phone_number_id"`
}

// contact is a customer's profile: wa_id (their phone number as WhatsApp
// knows it) and, for users with a username, a business-scoped user_id.
type contact struct {
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
	WaID   string `json:"wa_id"`
	UserID string `json:"user_id"`
}

// message is a customer's message. From is their wa_id; a user who hides their
// number behind a username is identified by from_user_id alone.
type message struct {
	ID          string            `json:"id"`
	From        string            `json:"from"`
	FromUserID  string            `json:"from_user_id"`
	Timestamp   meta.StringNumber `json:"timestamp"`
	Type        string            `json:"type"`
	Text        *text             `json:"text"`
	Image       *media            `json:"image"`
	Video       *media            `json:"video"`
	Audio       *media            `json:"audio"`
	Voice       *media            `json:"voice"`
	Document    *media            `json:"document"`
	Sticker     *media            `json:"sticker"`
	Location    *location         `json:"location"`
	Contacts    []sharedContact   `json:"contacts"`
	Interactive *interactive      `json:"interactive"`
	Button      *button           `json:"button"`
	Edit        *edit             `json:"edit"`
}

type text struct {
	Body string `json:"body"`
}

// media is a media message's object: the media ID FetchMedia downloads.
type media struct {
	ID       string `json:"id"`
	MimeType string `json:"mime_type"`
	Caption  string `json:"caption"`
	Filename string `json:"filename"`
	Voice    bool   `json:"voice"`
}

type location struct {
	Latitude  meta.StringNumber `json:"latitude"`
	Longitude meta.StringNumber `json:"longitude"`
	Name      string            `json:"name"`
	Address   string            `json:"address"`
}

// sharedContact is a contact card the customer shared.
type sharedContact struct {
	Name struct {
		FormattedName string `json:"formatted_name"`
		FirstName     string `json:"first_name"`
		LastName      string `json:"last_name"`
	} `json:"name"`
	Phones []struct {
		Phone string `json:"phone"`
		WaID  string `json:"wa_id"`
	} `json:"phones"`
}

// interactive is a reply to an interactive message: a reply button, a list
// row, or a flow's response.
type interactive struct {
	Type        string `json:"type"`
	ButtonReply *reply `json:"button_reply"`
	ListReply   *reply `json:"list_reply"`
	NFMReply    *struct {
		Name         string `json:"name"`
		Body         string `json:"body"`
		ResponseJSON string `json:"response_json"`
	} `json:"nfm_reply"`
}

type reply struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// button is a tap on a template's quick reply button.
type button struct {
	Payload string `json:"payload"`
	Text    string `json:"text"`
}

// edit is a customer's edit of a message they sent.
type edit struct {
	OriginalMessageID string   `json:"original_message_id"`
	Message           *message `json:"message"`
}

// status is news of a message the business sent.
type status struct {
	ID          string            `json:"id"`
	Status      string            `json:"status"`
	Timestamp   meta.StringNumber `json:"timestamp"`
	RecipientID string            `json:"recipient_id"`
	// RecipientUserID is the recipient's business-scoped user ID, which
	// Meta sends instead of recipient_id (a phone number) for users known
	// by their username only.
	RecipientUserID string `json:"recipient_user_id"`
	// Errors say why a failed message failed.
	Errors []statusError `json:"errors"`
}

// statusError is one reason in a failed status.
type statusError struct {
	Code      meta.StringNumber `json:"code"`
	Title     string            `json:"title"`
	Message   string            `json:"message"`
	ErrorData struct {
		Details string `json:"details"`
	} `json:"error_data"`
}
