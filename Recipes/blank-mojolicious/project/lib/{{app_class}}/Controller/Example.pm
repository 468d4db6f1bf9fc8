package {{app_class}}::Controller::Example;
use Mojo::Base 'Mojolicious::Controller', -signatures;

# The home page: counts its visits in the table the first migration created.
sub welcome ($self) {
  my $db = $self->sqlite->db;
  $db->query('INSERT INTO page_views (path) VALUES (?)', '/');
  my $views = $db->query('SELECT count(*) FROM page_views')->array->[0];
  $self->render(msg => 'Your paddock Mojolicious app is running', views => $views);
}

1;
